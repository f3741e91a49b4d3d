"""``portal worker`` on PostgreSQL, as operators start it: procrastinate in several processes.

Two workers on one database run each scheduled time of a periodic job once; a failing job is
retried and its error is on the administrators' page; a confirmation mail leaves within seconds
of a form being sent, through a worker and a real SMTP server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from sqlalchemy import func, select, text

from server.auth.roles import Role
from server.extensions import db
from server.jobs.engine import engine_of
from server.jobs.models import JobRun
from server.jobs.procrastinate_engine import close_deferrers
from tests.checking_client import checking_client
from tests.conftest import make_test_app
from tests.factories import make_clerk
from tests.integration.forms.test_forms import submit_checked, walk_kita
from tests.integration.helpers import log_in_clerk
from tests.integration.jobs.helpers import FAILURE, runs
from tests.peers.smtp.fixtures import SmtpServer, smtp_server  # noqa: F401

CHECKOUT = Path(__file__).resolve().parents[3]
#: ``portal worker`` with the test's jobs registered beside the portal's.
WORKER = [
    sys.executable,
    "-c",
    "import tests.integration.jobs.worker_jobs; from server.cli import main; main()",
    "worker",
    "--concurrency",
    "2",
]


@pytest.fixture
def postgres(app: Flask, backend: str) -> Iterator[Flask]:
    if not backend.startswith("postgresql"):
        pytest.skip("procrastinate is the job engine on PostgreSQL (SQLite: test_inprocess)")
    yield app
    close_deferrers()  # this process's connection for requests, before the database goes


@pytest.fixture
def workers() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []

    def start(
        database_url: str, *, own_jobs: bool = True, **settings: object
    ) -> subprocess.Popen[str]:
        env = {
            **os.environ,
            "PYTHONPATH": str(CHECKOUT),
            "DATABASE_URL": database_url,
            "PORTAL_ENV": "testing",
            "SECRET_KEY": "test-secret-key",
            "LOG_FORMAT": "text",
            "MAIL_FILE_DIR": tempfile.mkdtemp(prefix="portal-mail-"),
            "UPLOAD_DIR": tempfile.mkdtemp(prefix="portal-uploads-"),
            "DEV_EID_DIR": tempfile.mkdtemp(prefix="portal-dev-eid-"),
            **{key: str(value) for key, value in settings.items()},
        }
        command = WORKER if own_jobs else [str(Path(sys.executable).parent / "portal"), "worker"]
        process = subprocess.Popen(
            command,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def stop(process: subprocess.Popen[str]) -> str:
    """SIGTERM, as systemd stops it: the worker finishes its jobs and exits cleanly."""
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=90)
    assert process.returncode == 0, output
    return output


def wait_for(check: Callable[[], bool], seconds: float, what: str) -> float:
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < seconds, f"{what}: not within {seconds} s"
        time.sleep(0.1)
    return time.monotonic() - start


def finished_runs(app: Flask, name: str) -> int:
    with app.app_context():
        counted = db.session.scalar(
            select(func.count())
            .select_from(JobRun)
            .where(JobRun.job_name == name, JobRun.finished_at.is_not(None))
        )
        db.session.rollback()
        return int(counted or 0)


def test_two_workers_run_each_scheduled_time_once_and_retry_a_failure(
    postgres: Flask, workers: Callable[..., subprocess.Popen[str]]
) -> None:
    app = postgres
    url = app.config["DATABASE_URL"]
    first, second = workers(url), workers(url)
    wait_for(lambda: finished_runs(app, "test-tick") >= 6, 90, "six ticks")
    wait_for(
        lambda: any(run.attempt == 2 and run.finished_at for run in runs(app, "test-fails")),
        60,
        "a failure and its retry",
    )
    # On a loaded machine the second worker may listen only after the first took the first
    # ticks: wait until both took some.
    wait_for(
        lambda: len({run.worker for run in runs(app, "test-tick")}) == 2,
        90,
        "ticks run by both workers",
    )
    stop(first)
    stop(second)

    ticks = runs(app, "test-tick")
    per_time: dict[datetime | None, list[int]] = defaultdict(list)
    for run in ticks:
        per_time[run.scheduled_for].append(run.attempt)
    assert all(attempts == [1] for attempts in per_time.values()), per_time
    assert None not in per_time
    assert len(per_time) >= 6
    assert {run.outcome for run in ticks} == {"succeeded"}
    # Both processes took jobs (not one doing everything while the other slept).
    assert len({run.worker for run in ticks}) == 2

    failures = [run for run in runs(app, "test-fails") if run.finished_at is not None]
    by_time: dict[datetime | None, list[int]] = defaultdict(list)
    for run in failures:
        by_time[run.scheduled_for].append(run.attempt)
    assert [1, 2] in by_time.values(), by_time  # tried, then retried once, then given up
    assert all(sorted(attempts) in ([1], [1, 2]) for attempts in by_time.values())
    assert {(run.outcome, run.error) for run in failures} == {
        ("failed", f"RuntimeError: {FAILURE}")
    }

    # The administrators' page shows the failure with its text.
    make_clerk(app, username="admin", display_name="Ada Admin", roles=[Role.ADMIN])
    clerk = checking_client(app)
    log_in_clerk(clerk, "admin")
    page = BeautifulSoup(clerk.get("/verwaltung/aufgaben/").get_data(as_text=True), "lxml")
    rows = [" ".join(row.get_text(" ").split()) for row in page.select("tbody tr")]
    failed = [row for row in rows if "test-fails" in row]
    assert failed, rows  # among the newest runs, under its name (no title in this process)
    assert all(f"RuntimeError: {FAILURE}" in row for row in failed), rows
    assert any("Versuch 2" in row for row in failed)


def engine_jobs(app: Flask, task: str) -> list[str]:
    """The statuses of procrastinate's rows of the task (finished ones are deleted)."""
    with app.app_context():
        statuses = db.session.scalars(
            text("SELECT status FROM procrastinate_jobs WHERE task_name = :task ORDER BY id"),
            {"task": task},
        ).all()
        db.session.rollback()
    return [str(status) for status in statuses]


def test_a_failure_while_another_run_waits_neither_stops_the_job_nor_the_worker(
    postgres: Flask, workers: Callable[..., subprocess.Popen[str]], tmp_path: Path
) -> None:
    """A run is asked for while one runs (a form sent while the outbox sends, a scheduled time
    while a slow run goes on), then the running one fails: its retry must not collide with the
    waiting run (procrastinate's own retry would, and leave the job running for ever)."""
    app, name = postgres, "test-gated-fails"
    gate = tmp_path / "gate"
    worker = workers(app.config["DATABASE_URL"], TEST_JOB_GATE=gate)
    wait_for(lambda: listening(app), 90, "the worker listening")
    engine = engine_of(app)

    engine.wake(name)
    wait_for(lambda: any(run.finished_at is None for run in runs(app, name)), 30, "the run")
    engine.wake(name)  # a second run waits behind the one that runs
    assert engine_jobs(app, name) == ["doing", "todo"]
    gate.touch()

    # The running one fails, the waiting one runs and fails, its retry runs and fails.
    wait_for(lambda: finished_runs(app, name) >= 3, 60, "the waiting run and a retry")
    wait_for(lambda: engine_jobs(app, name) == [], 30, "the engine's rows done")
    finished = [run for run in runs(app, name) if run.finished_at is not None]
    assert [run.attempt for run in finished] == [1, 1, 2]
    assert {run.outcome for run in finished} == {"failed"}

    # The job is not stuck: asked again, it runs again.
    engine.wake(name)
    wait_for(lambda: finished_runs(app, name) >= 4, 30, "a run after the failures")
    output = stop(worker)
    assert "UniqueViolation" not in output, output


def test_a_killed_worker_holds_no_job_another_worker_runs_it_again(
    postgres: Flask, workers: Callable[..., subprocess.Popen[str]], tmp_path: Path
) -> None:
    """A worker killed mid-run (SIGKILL, out of memory, its machine gone) leaves procrastinate's
    row of the job "doing", whose lock would hold every later run of the job for ever. Another
    worker releases it once the dead one has been silent for ``JOB_STALE_SECONDS``, and the
    run's record is marked abandoned."""
    app, name = postgres, "test-gated"
    gate = tmp_path / "gate"
    quick = {"TEST_JOB_GATE": gate, "JOB_HEARTBEAT_SECONDS": 1, "JOB_STALE_SECONDS": 3}
    killed = workers(app.config["DATABASE_URL"], **quick)
    wait_for(lambda: listening(app), 90, "the first worker listening")
    engine = engine_of(app)
    engine.wake(name)
    wait_for(lambda: any(run.finished_at is None for run in runs(app, name)), 30, "the run")
    os.killpg(killed.pid, signal.SIGKILL)
    killed.communicate(timeout=10)
    assert engine_jobs(app, name) == ["doing"]

    gate.touch()
    other = workers(app.config["DATABASE_URL"], **quick)
    wait_for(lambda: engine_jobs(app, name) == [], 60, "the dead worker's job released")

    def ran_again() -> bool:
        engine.wake(name)  # until the dead run's record has lapsed too
        return any(run.outcome == "succeeded" for run in runs(app, name))

    wait_for(ran_again, 30, "the job run by the other worker")
    stop(other)
    # The last requests may have run it once more after it succeeded.
    dead, *again = runs(app, name)
    assert dead.outcome == "abandoned"
    assert {run.outcome for run in again} == {"succeeded"}  # at least one
    assert dead.worker not in {run.worker for run in again}


def listening(app: Flask) -> bool:
    """A connection of the database waits with LISTEN: procrastinate's worker is ready."""
    with app.app_context():
        waiting = db.session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query ILIKE 'listen%'"
            )
        )
        db.session.rollback()
    return bool(waiting)


def clear_of_the_minute_tick() -> None:
    """Wait, if need be, until between :05 and :45 of a minute. The outbox's scheduled run comes
    at every full minute: a mail sent just before it can leave with that run, the request's own
    run then finding the queue taken (its queueing lock), and the test would not see the
    request's run that it checks for."""
    second = time.time() % 60
    if not 5 <= second < 45:
        time.sleep((65 - second) % 60)


def test_a_confirmation_mail_leaves_within_seconds_of_sending_a_form(
    postgres: Flask,
    workers: Callable[..., subprocess.Popen[str]],
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    url = postgres.config["DATABASE_URL"]
    mail = smtp_server.portal_settings()
    worker = workers(url, own_jobs=False, **mail)
    # Ready when it listens for the portal's requests (the first scheduled run may be up to a
    # minute away).
    wait_for(lambda: listening(postgres), 90, "the worker listening")

    web = make_test_app(url, **mail)
    try:
        citizen = checking_client(web)
        walk_kita(citizen)
        clear_of_the_minute_tick()
        sent = submit_checked(citizen)
        assert sent.status_code == 303
        took = wait_for(lambda: len(smtp_server.messages()) == 1, 10, "the confirmation")
    finally:
        with web.app_context():
            db.engine.dispose()
    stop(worker)

    [message] = smtp_server.messages()
    assert message["To"] == "erika@example.de"
    assert "Eingangsnummer" in str(message["Subject"])
    assert took < 10
    asked = [run for run in runs(postgres, "outbox-send") if run.trigger == "request"]
    assert asked
    assert asked[0].outcome == "succeeded"
