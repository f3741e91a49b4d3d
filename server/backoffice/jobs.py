"""The scheduled jobs' admin page: each job's last run, its outcome and its last error, and the
newest runs of all jobs. The record is ``server.jobs``' (``job_runs``); the page belongs to the
clerks' shell like the audit log's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint
from flask.typing import ResponseReturnValue
from flask_babel import LazyString, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from server.auth.roles import Role
from server.auth.session import clerk_required
from server.db import as_utc, utcnow
from server.jobs.catalogue import Job, all_jobs, find_job
from server.jobs.models import JobRun, Outcome, Trigger
from server.jobs.runs import counts_of, job_status, recent_runs
from server.rendering import render_page

bp = Blueprint("jobs_office", __name__, url_prefix="/verwaltung/aufgaben")

OUTCOMES: dict[str, tuple[LazyString, str]] = {
    Outcome.RUNNING.value: (_l("läuft"), "info"),
    Outcome.SUCCEEDED.value: (_l("erfolgreich"), "success"),
    Outcome.FAILED.value: (_l("fehlgeschlagen"), "danger"),
    Outcome.ABANDONED.value: (_l("abgebrochen"), "warning"),
}
TRIGGERS: dict[str, LazyString] = {
    Trigger.SCHEDULE.value: _l("planmäßig"),
    Trigger.REQUEST.value: _l("auf Anforderung"),
    Trigger.COMMAND.value: _l("von Hand"),
}


@dataclass(frozen=True)
class RunView:
    run: JobRun
    title: LazyString | str
    outcome: LazyString
    badge: str
    trigger: LazyString | str
    counts: str
    duration: str


def _counts(job: Job | None, run: JobRun) -> str:
    found = counts_of(run)
    if job is None:
        return ""
    return ", ".join(f"{found[key]} {label}" for key, label in job.counts if key in found)


def _duration(run: JobRun) -> str:
    if run.finished_at is None:
        return ""
    seconds = (as_utc(run.finished_at) - as_utc(run.started_at)).total_seconds()
    return _("%(seconds)s s", seconds=format_decimal(round(seconds, 1)))


def _view(run: JobRun | None) -> RunView | None:
    if run is None:
        return None
    job = find_job(run.job_name)
    outcome, badge = OUTCOMES.get(run.outcome, (_l("unbekannt"), "info"))
    trigger = TRIGGERS.get(run.trigger, run.trigger)
    if run.attempt > 1:
        trigger = _("%(trigger)s, Versuch %(attempt)s", trigger=trigger, attempt=run.attempt)
    return RunView(
        run=run,
        title=job.title if job else run.job_name,
        outcome=outcome,
        badge=badge,
        trigger=trigger,
        counts=_counts(job, run),
        duration=_duration(run),
    )


@dataclass(frozen=True)
class JobRow:
    job: Job
    last: RunView | None
    failure: RunView | None
    next_at: datetime


@bp.route("/")
@clerk_required(Role.ADMIN)
def overview() -> ResponseReturnValue:
    jobs = all_jobs()
    now = utcnow()
    rows = [
        JobRow(job, _view(status.last_run), _view(status.last_failure), job.next_after(now))
        for job, status in zip(jobs, job_status([job.name for job in jobs]), strict=True)
    ]
    runs = [view for view in map(_view, recent_runs()) if view is not None]
    return render_page("views/backoffice/jobs.html", rows=rows, runs=runs)
