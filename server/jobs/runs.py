"""The one wrapper every run of a job goes through, whichever engine started it.

A run is claimed in ``job_runs`` before the job's function is called: the database keeps at
most one unfinished run per job (so two servers, or a worker and an operator's cron line, never
run the same job at once) and each scheduled time once per attempt (so two in-process runners
on one SQLite database run a period once). While the function runs, a heartbeat thread touches
the row; a run whose heartbeat stopped (its process was killed) is marked abandoned by the next
claim, so a job is never locked for good. The end is recorded with the outcome, the error's text
and the counts the function returned.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Engine, delete, func, select, update

from server.db import dialect_insert, utcnow
from server.extensions import db
from server.jobs.catalogue import Counts, Job, PartlyFailed
from server.jobs.models import JobRun, Outcome, Trigger
from server.logs import get_logger
from server.redaction import scrub_exception

log = get_logger("jobs")

#: Finished runs are kept this long (the back office shows the newest of each job).
KEEP_RUNS = timedelta(days=30)
ERROR_LENGTH = 2000


@dataclass(frozen=True)
class RunResult:
    """``run_id`` None: not run, because the job is running elsewhere or this scheduled time
    (and attempt) has been run already."""

    run_id: int | None
    outcome: Outcome | None
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.outcome is Outcome.FAILED


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def stale_after() -> timedelta:
    """A run without a heartbeat for this long is taken for dead (``JOB_STALE_SECONDS``)."""
    return timedelta(seconds=current_app.config["JOB_STALE_SECONDS"])


def _abandon_stale(job: Job, now: datetime) -> None:
    with db.transaction() as session:
        abandoned = session.execute(
            update(JobRun)
            .where(
                JobRun.job_name == job.name,
                JobRun.finished_at.is_(None),
                JobRun.heartbeat_at < now - stale_after(),
            )
            .values(
                finished_at=now,
                outcome=Outcome.ABANDONED.value,
                error="Der Lauf hat aufgehört, sich zu melden (Prozess beendet?).",
            )
            .execution_options(synchronize_session=False)
        )
    if getattr(abandoned, "rowcount", 0):
        log.warning("job run abandoned", extra={"job": job.name})


def _claim(job: Job, trigger: Trigger, scheduled_for: datetime | None, attempt: int) -> int | None:
    """Insert the unfinished run, or nothing when a rule of the table refuses it (ON CONFLICT
    DO NOTHING: no error, no savepoint; PostgreSQL waits for a competing insert to commit)."""
    now = utcnow()
    _abandon_stale(job, now)
    with db.transaction() as session:
        statement = (
            dialect_insert(JobRun, session)
            .values(
                job_name=job.name,
                trigger=trigger.value,
                scheduled_for=scheduled_for,
                attempt=attempt,
                started_at=now,
                heartbeat_at=now,
                outcome=Outcome.RUNNING.value,
                worker=worker_name(),
            )
            .on_conflict_do_nothing()
            .returning(JobRun.id)
        )
        run_id = session.execute(statement).scalar_one_or_none()
    return int(run_id) if run_id is not None else None


class _Heartbeat:
    """Touches the run's row every ``JOB_HEARTBEAT_SECONDS`` on a connection of its own."""

    def __init__(self, engine: Engine, run_id: int, every: float) -> None:
        self.engine, self.run_id, self.every = engine, run_id, every
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True, name=f"job-run-{run_id}")

    def _beat(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                with self.engine.begin() as connection:
                    connection.execute(
                        update(JobRun).where(JobRun.id == self.run_id).values(heartbeat_at=utcnow())
                    )
            except Exception:  # the database busy for a moment: the next beat tries again
                log.warning("job heartbeat failed", extra={"run": self.run_id})

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stopped.set()
        self.thread.join(timeout=self.every)


def error_text(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".strip()
    return scrub_exception(text)[:ERROR_LENGTH]


def _finish(run_id: int, outcome: Outcome, error: str | None, counts: Counts) -> None:
    with db.transaction() as session:
        session.execute(
            update(JobRun)
            .where(JobRun.id == run_id)
            .values(
                finished_at=utcnow(),
                outcome=outcome.value,
                error=error,
                counts=json.dumps(dict(counts), sort_keys=True) if counts else None,
            )
            .execution_options(synchronize_session=False)
        )


def run_job(
    job: Job,
    *,
    trigger: Trigger,
    scheduled_for: datetime | None = None,
    attempt: int = 1,
) -> RunResult:
    """Claim, run and record one run of ``job``; needs an app context. A failure of the
    function is recorded and returned (the engine decides about a retry), never raised."""
    run_id = _claim(job, trigger, scheduled_for, attempt)
    if run_id is None:
        log.info("job not run: running elsewhere or done", extra={"job": job.name})
        return RunResult(None, None)
    counts: Counts = {}
    error: str | None = None
    with _Heartbeat(db.engine, run_id, current_app.config["JOB_HEARTBEAT_SECONDS"]):
        try:
            counts = job.run() or {}
        except PartlyFailed as partly:
            counts, error = partly.counts, error_text(partly)
            log.warning("job partly failed", extra={"job": job.name, "error": error})
        except Exception as failure:
            db.session.rollback()
            error = error_text(failure)
            log.exception("job failed", extra={"job": job.name, "attempt": attempt})
        finally:
            db.session.rollback()  # nothing of the job's left open on this session
    outcome = Outcome.FAILED if error else Outcome.SUCCEEDED
    _finish(run_id, outcome, error, counts)
    log.info("job run", extra={"job": job.name, "outcome": outcome.value, "counts": dict(counts)})
    return RunResult(run_id, outcome, error)


# --- reading the record -------------------------------------------------------------------------


@dataclass(frozen=True)
class JobStatus:
    """What the back office shows of a job: its newest run and its newest failure."""

    name: str
    last_run: JobRun | None
    last_failure: JobRun | None


def _newest(name: str, *outcomes: Outcome) -> JobRun | None:
    query = select(JobRun).where(JobRun.job_name == name)
    if outcomes:
        query = query.where(JobRun.outcome.in_([outcome.value for outcome in outcomes]))
    return db.session.scalars(
        query.order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(1)
    ).first()


def job_status(names: list[str]) -> list[JobStatus]:
    return [
        JobStatus(name, _newest(name), _newest(name, Outcome.FAILED, Outcome.ABANDONED))
        for name in names
    ]


def recent_runs(limit: int = 30) -> list[JobRun]:
    """The newest runs of all jobs."""
    return list(db.session.scalars(select(JobRun).order_by(JobRun.id.desc()).limit(limit)))


def counts_of(run: JobRun) -> dict[str, int]:
    if not run.counts:
        return {}
    loaded = json.loads(run.counts)
    return {str(key): int(value) for key, value in loaded.items()}


def outcomes_since(moment: datetime) -> dict[tuple[str, str], int]:
    """Runs by job and outcome started since ``moment`` (for ``/metrics``)."""
    rows = db.session.execute(
        select(JobRun.job_name, JobRun.outcome, func.count())
        .where(JobRun.started_at >= moment)
        .group_by(JobRun.job_name, JobRun.outcome)
    )
    return {(str(name), str(outcome)): int(count) for name, outcome, count in rows}


def last_success() -> dict[str, datetime]:
    """Each job's newest successful end (for ``/metrics``)."""
    rows = db.session.execute(
        select(JobRun.job_name, func.max(JobRun.finished_at))
        .where(JobRun.outcome == Outcome.SUCCEEDED.value)
        .group_by(JobRun.job_name)
    )
    return {str(name): moment for name, moment in rows if moment is not None}


def prune_runs() -> Counts:
    """Forget finished runs older than ``KEEP_RUNS`` (a job of this area)."""
    with db.transaction() as session:
        removed = session.execute(
            delete(JobRun)
            .where(JobRun.finished_at.is_not(None), JobRun.started_at < utcnow() - KEEP_RUNS)
            .execution_options(synchronize_session=False)
        )
    return {"deleted": int(getattr(removed, "rowcount", 0) or 0)}
