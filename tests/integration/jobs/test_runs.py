"""Every run of a job goes through one wrapper, on both databases: it is claimed in ``job_runs``
(one unfinished run per job, each scheduled time once per attempt), run, and recorded with its
start, end, outcome, error and counts."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import update

from server.db import as_utc, utcnow
from server.extensions import db
from server.jobs import runs as job_runs
from server.jobs.catalogue import Counts, PartlyFailed
from server.jobs.models import JobRun, Outcome, Trigger
from server.jobs.runs import prune_runs, run_job
from tests.integration.jobs.helpers import Calls, counting_job, failing_job, job, runs
from tests.threads import Wait, together

TICK = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_run_is_recorded_with_start_end_outcome_and_counts(app: Flask) -> None:
    calls = Calls()
    with app.app_context():
        result = run_job(counting_job("zaehlen", calls), trigger=Trigger.COMMAND)
    assert result.outcome is Outcome.SUCCEEDED
    assert not result.failed
    [run] = runs(app, "zaehlen")
    assert run.id == result.run_id
    assert (run.trigger, run.attempt, run.scheduled_for, run.error) == ("command", 1, None, None)
    assert run.outcome == "succeeded"
    assert json.loads(run.counts or "") == {"done": 1}
    assert run.finished_at is not None
    assert as_utc(run.started_at) <= as_utc(run.finished_at) <= utcnow()
    assert run.worker


def test_a_failure_is_recorded_with_its_error_and_returned_not_raised(app: Flask) -> None:
    with app.app_context():
        result = run_job(failing_job("scheitern"), trigger=Trigger.SCHEDULE, scheduled_for=TICK)
    assert result.failed
    assert result.error == "RuntimeError: Die Gegenstelle antwortet nicht"
    [run] = runs(app, "scheitern")
    assert (run.outcome, run.error, run.counts) == ("failed", result.error, None)
    assert as_utc(run.scheduled_for or TICK) == TICK


def test_a_job_that_did_part_of_its_work_fails_with_its_counts(app: Flask) -> None:
    def partly() -> Counts:
        raise PartlyFailed("2 nicht gelöscht", {"deleted": 5, "failed": 2})

    with app.app_context():
        result = run_job(job("teilweise", partly), trigger=Trigger.COMMAND)
    assert result.failed
    [run] = runs(app, "teilweise")
    assert run.error == "PartlyFailed: 2 nicht gelöscht"
    assert json.loads(run.counts or "") == {"deleted": 5, "failed": 2}


def test_a_job_running_elsewhere_is_not_run_again(app: Flask) -> None:
    """The job's function starts a second run of itself: the database refuses the claim."""
    inner: list[job_runs.RunResult] = []

    def again() -> Counts:
        inner.append(run_job(busy, trigger=Trigger.REQUEST))
        return {}

    busy = job("beschaeftigt", again)
    with app.app_context():
        outer = run_job(busy, trigger=Trigger.COMMAND)
    assert outer.outcome is Outcome.SUCCEEDED
    assert inner == [job_runs.RunResult(None, None)]
    assert [run.trigger for run in runs(app, "beschaeftigt")] == ["command"]


def test_a_scheduled_time_runs_once_per_attempt(app: Flask) -> None:
    calls = Calls()
    daily = counting_job("taeglich", calls)
    with app.app_context():
        first = run_job(daily, trigger=Trigger.SCHEDULE, scheduled_for=TICK)
        again = run_job(daily, trigger=Trigger.SCHEDULE, scheduled_for=TICK)
        retry = run_job(daily, trigger=Trigger.SCHEDULE, scheduled_for=TICK, attempt=2)
        later = run_job(daily, trigger=Trigger.SCHEDULE, scheduled_for=TICK + timedelta(days=1))
        asked = [run_job(daily, trigger=Trigger.REQUEST) for _ in range(2)]
    assert first.run_id
    assert retry.run_id
    assert later.run_id
    assert again.run_id is None
    assert all(result.run_id for result in asked)  # no scheduled time: any number, one by one
    assert calls.count == 5


def test_of_two_servers_claiming_at_once_one_runs(app: Flask) -> None:
    """The winner's run lasts until the other server has been refused."""
    calls = Calls()
    refused = threading.Event()

    def slow() -> Counts:
        calls()
        refused.wait(10)
        return {}

    slow_job = job("langsam", slow)

    def server(wait: Wait) -> job_runs.RunResult:
        with app.app_context():
            wait()
            result = run_job(slow_job, trigger=Trigger.SCHEDULE)
        if result.run_id is None:
            refused.set()
        return result

    first, second = together([server, server])
    assert calls.count == 1
    assert sorted([first.run_id is None, second.run_id is None]) == [False, True]
    assert [run.outcome for run in runs(app, "langsam")] == ["succeeded"]


def test_a_run_whose_process_died_is_abandoned_and_the_job_runs_again(app: Flask) -> None:
    calls = Calls()
    killed = counting_job("abgestuerzt", calls)
    with app.app_context():
        with db.transaction() as session:
            session.add(
                JobRun(
                    job_name="abgestuerzt",
                    trigger="schedule",
                    attempt=1,
                    started_at=utcnow() - timedelta(hours=1),
                    heartbeat_at=utcnow() - job_runs.stale_after() - timedelta(seconds=1),
                    outcome="running",
                    worker="gone:1",
                )
            )
        result = run_job(killed, trigger=Trigger.COMMAND)
    assert result.outcome is Outcome.SUCCEEDED
    old, new = runs(app, "abgestuerzt")
    assert old.outcome == "abandoned"
    assert old.finished_at is not None
    assert "aufgehört" in (old.error or "")
    assert new.outcome == "succeeded"


def test_a_live_run_keeps_its_claim(app: Flask) -> None:
    """A heartbeat a moment ago: the run is alive, the next claim is refused."""
    with app.app_context():
        with db.transaction() as session:
            session.add(
                JobRun(
                    job_name="lebendig",
                    trigger="schedule",
                    attempt=1,
                    started_at=utcnow() - timedelta(hours=3),
                    heartbeat_at=utcnow() - timedelta(seconds=10),
                    outcome="running",
                    worker="elsewhere:1",
                )
            )
        result = run_job(counting_job("lebendig", Calls()), trigger=Trigger.COMMAND)
    assert result.run_id is None
    assert [run.outcome for run in runs(app, "lebendig")] == ["running"]


def test_old_finished_runs_are_forgotten(app: Flask) -> None:
    with app.app_context():
        for name in ("alt", "neu"):
            run_job(counting_job(name, Calls()), trigger=Trigger.COMMAND)
        with db.transaction() as session:
            session.execute(
                update(JobRun)
                .where(JobRun.job_name == "alt")
                .values(started_at=utcnow() - job_runs.KEEP_RUNS - timedelta(days=1))
            )
        assert prune_runs() == {"deleted": 1}
    assert runs(app, "alt") == []
    assert len(runs(app, "neu")) == 1


def test_the_retention_job_sums_its_kinds_and_fails_when_a_record_stayed(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.retention import run as retention
    from server.retention.policy import Kind
    from server.retention.setup import run_retention

    with app.app_context():
        assert run_retention() == {"deleted": 0, "files": 0, "anonymised": 0, "failed": 0}
        kinds = list(Kind)
        partly = retention.RunReport(
            utcnow(),
            (
                retention.KindResult(kinds[0], 3, 2),
                retention.KindResult(kinds[1], 1, 0, failed=1, anonymised=4),
            ),
        )
        monkeypatch.setattr(retention, "run_due", lambda: partly)
        monkeypatch.setattr("server.retention.run_due", lambda: partly)
        with pytest.raises(PartlyFailed) as failed:
            run_retention()
    assert failed.value.counts == {"deleted": 4, "files": 2, "anonymised": 4, "failed": 1}
