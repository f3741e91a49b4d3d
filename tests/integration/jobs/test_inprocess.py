"""The in-process runner (the job engine on SQLite, and of ``portal demo``), on both databases:
scheduled times run once however many runners share the database, a request runs the job within
seconds, a failed run is retried, and a queued mail wakes the outbox's job."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask

from server.extensions import db
from server.jobs.catalogue import Job, find_job
from server.jobs.inprocess import InProcessEngine, InProcessRunner
from server.jobs.wakeup import request_run
from server.mail.models import OutboxMail
from server.mail.outbox import OUTBOX_JOB, queue_mail
from tests.conftest import make_test_app
from tests.integration.jobs.helpers import Calls, counting_job, failing_job, runs

WITHIN_SECONDS = 10.0


def eventually(check: Callable[[], bool], seconds: float = WITHIN_SECONDS) -> float:
    """Seconds until ``check`` held; fails after ``seconds``."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < seconds, "not within the time"
        time.sleep(0.05)
    return time.monotonic() - start


@contextmanager
def running(app: Flask, jobs: list[Job]) -> Iterator[InProcessRunner]:
    """The runner, and the in-process engine for requests (on PostgreSQL too: the engine of
    ``portal worker`` there is procrastinate, tested in ``test_worker``)."""
    app.extensions["jobs_engine"] = InProcessEngine(app)
    runner = InProcessRunner(app, jobs).start()
    try:
        yield runner
    finally:
        runner.stop()


def finished(app: Flask, name: str, count: int) -> Callable[[], bool]:
    def check() -> bool:
        done = [run for run in runs(app, name) if run.finished_at is not None]
        return len(done) >= count

    return check


def test_two_runners_on_one_database_run_a_scheduled_time_once(app: Flask) -> None:
    """Two processes (two apps here), each with its runner, started at once: the newest
    scheduled time of the job runs once."""
    calls = Calls()
    yearly = counting_job("jaehrlich", calls)
    other = make_test_app(app.config["DATABASE_URL"])
    try:
        with running(app, [yearly]), running(other, [yearly]):
            eventually(finished(app, "jaehrlich", 1))
            time.sleep(0.5)  # the slower runner has had its turn
    finally:
        with other.app_context():
            db.engine.dispose()
    assert calls.count == 1
    [run] = runs(app, "jaehrlich")
    assert run.trigger == "schedule"
    assert run.scheduled_for is not None


def test_a_request_runs_the_job_within_seconds_of_the_commit(app: Flask) -> None:
    calls = Calls()
    asked = counting_job("angefragt", calls)
    with running(app, [asked]):
        eventually(finished(app, "angefragt", 1))  # its scheduled time, at the start
        with app.app_context(), db.transaction():
            request_run("angefragt")
        eventually(finished(app, "angefragt", 2), seconds=5)
    triggers = [run.trigger for run in runs(app, "angefragt")]
    assert triggers == ["schedule", "request"]


def test_a_rolled_back_transaction_asks_for_nothing(app: Flask) -> None:
    calls = Calls()
    asked = counting_job("zurueckgerollt", calls)
    with running(app, [asked]):
        eventually(finished(app, "zurueckgerollt", 1))
        with app.app_context():
            request_run("zurueckgerollt")
            db.session.rollback()
            db.session.commit()
        time.sleep(1.0)
    assert calls.count == 1


def test_a_failing_job_is_retried_and_its_error_recorded(app: Flask) -> None:
    broken = failing_job("kaputt", retries=2, retry_wait_seconds=0)
    with running(app, [broken]):
        eventually(finished(app, "kaputt", 3))
        time.sleep(0.3)
    recorded = runs(app, "kaputt")
    assert [(run.attempt, run.outcome) for run in recorded] == [
        (1, "failed"),
        (2, "failed"),
        (3, "failed"),
    ]
    assert {run.error for run in recorded} == {"RuntimeError: Die Gegenstelle antwortet nicht"}
    assert len({run.scheduled_for for run in recorded}) == 1


def test_a_queued_mail_wakes_the_outbox_job(app: Flask) -> None:
    """``portal demo`` on SQLite: a confirmation goes out within seconds, not at the next
    minute."""
    outbox = find_job(OUTBOX_JOB)
    assert outbox is not None
    with running(app, [outbox]):
        eventually(finished(app, OUTBOX_JOB, 1))
        with app.app_context():
            with db.transaction():
                mail = queue_mail(recipient="erika@example.de", subject="Eingang", body="Danke")
            mail_id = mail.id

        def sent() -> bool:
            with app.app_context():
                found = db.session.get_one(OutboxMail, mail_id)
                return found.sent_at is not None

        assert eventually(sent, seconds=5) < 5
    assert runs(app, OUTBOX_JOB)[-1].trigger == "request"
