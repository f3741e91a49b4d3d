"""The job engine on PostgreSQL: procrastinate, its tables in the portal's database.

Every job of the catalogue is a procrastinate task and a periodic task on the job's cron
schedule. procrastinate defers a periodic job once per scheduled time however many workers run
(a unique row per task and time in ``procrastinate_periodic_defers``), runs jobs with the same
lock one after the other (each job's lock is its name), keeps at most one waiting job per job
(the queueing lock: a burst of requests is one run), and hears of new jobs at once through
LISTEN/NOTIFY. A failed run is retried (the job's ``retries``, after ``retry_wait_seconds``
times the attempt) by deferring the next attempt as a new job under the same queueing lock, not
by procrastinate's retry: that one turns the failed job back into a waiting one, which the
queueing lock refuses when another run was asked for meanwhile, and the job then stays "doing"
for ever, its lock holding every later run of the job. Deferred, the retry either waits, or
finds a run waiting already, which then is the retry. Each run goes through ``run_job`` like on
the in-process runner, so the record in ``job_runs`` and its lock are the same on both
databases; procrastinate deletes its own rows of finished jobs, ``job_runs`` is the record.

The web processes only defer jobs (``wake``), through a small pool of their own that opens a
connection when one is needed and closes it when idle."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import procrastinate
from flask import Flask, current_app
from procrastinate import sql
from procrastinate.exceptions import AlreadyEnqueued, ConnectorException
from procrastinate.jobs import Status
from sqlalchemy.engine import make_url

from server.jobs.catalogue import Job, all_jobs
from server.jobs.models import Trigger
from server.jobs.runs import run_job, worker_name
from server.logs import get_logger

log = get_logger("jobs")

#: Seconds a worker waits for its running jobs when told to stop (then they are aborted, and
#: the job runs again at its next scheduled time: each run is claimed and recorded, the jobs
#: are idempotent).
SHUTDOWN_GRACE_SECONDS = 60.0


def conninfo(database_url: str) -> str:
    """libpq's form of the SQLAlchemy URL (``postgresql+psycopg://`` without the driver)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _task_function(app: Flask, job: Job) -> Callable[..., None]:
    def run(
        context: procrastinate.JobContext,
        timestamp: int | None = None,
        attempt: int | None = None,
    ) -> None:
        # Periodic jobs get the scheduled time; jobs asked for (``wake``) get none. A retry
        # carries its attempt (one retried by procrastinate before this release counts there).
        scheduled = datetime.fromtimestamp(timestamp, UTC) if timestamp is not None else None
        attempt = attempt or (context.job.attempts or 0) + 1
        with app.app_context():
            result = run_job(
                job,
                trigger=Trigger.SCHEDULE if scheduled else Trigger.REQUEST,
                scheduled_for=scheduled,
                attempt=attempt,
            )
            if result.failed and attempt <= job.retries:
                _defer_retry(job, timestamp, attempt)

    run.__name__ = run.__qualname__ = f"job_{job.name.replace('-', '_')}"
    return run


def _defer_retry(job: Job, timestamp: int | None, failed_attempt: int) -> None:
    """The next attempt, ``retry_wait_seconds`` times the failed one later; needs an app
    context. Its job waits behind the failed one (same lock) until that one is done."""
    deferrer = _deferrer(current_app.config["DATABASE_URL"])
    retry = deferrer.configure_task(
        name=job.name,
        lock=job.name,
        queueing_lock=job.name,
        schedule_in={"seconds": job.retry_wait_seconds * failed_attempt},
        task_kwargs={"timestamp": timestamp, "attempt": failed_attempt + 1},
    )
    try:
        retry.defer()
    except AlreadyEnqueued:
        # A run waits already (asked for, or the next scheduled time): it runs the job again.
        log.info("job retry: a run waits already", extra={"job": job.name})


def build(app: Flask, connector: procrastinate.BaseConnector) -> procrastinate.App:
    """A procrastinate app with every job of the catalogue as a task and a periodic task."""
    tasks = procrastinate.App(connector=connector)
    for job in all_jobs():
        task = tasks.task(
            name=job.name,
            pass_context=True,
            lock=job.name,
            queueing_lock=job.name,
        )(_task_function(app, job))
        tasks.periodic(cron=job.schedule, periodic_id=job.name)(task)
    return tasks


#: One deferring app per database and process, opened at the first request (after gunicorn's
#: fork): every Flask app of the process on that database shares it.
_DEFERRERS: dict[str, procrastinate.App] = {}
_DEFERRERS_LOCK = threading.Lock()


def _deferrer(database_url: str) -> procrastinate.App:
    info = conninfo(database_url)
    with _DEFERRERS_LOCK:
        found = _DEFERRERS.get(info)
        if found is None:
            connector = procrastinate.SyncPsycopgConnector(
                conninfo=info,
                min_size=0,
                max_size=2,
                max_idle=60,
                num_workers=1,
                timeout=5,
                kwargs={"connect_timeout": 5},
            )
            found = _DEFERRERS[info] = procrastinate.App(connector=connector).open()
        return found


def close_deferrers() -> None:
    with _DEFERRERS_LOCK:
        for deferrer in _DEFERRERS.values():
            deferrer.close()
        _DEFERRERS.clear()


def release_stalled_jobs(database_url: str, stale_seconds: float) -> int:
    """End procrastinate's rows of jobs whose worker has been silent for ``stale_seconds`` (its
    process killed, its machine gone). Such a row stays "doing", and its lock would hold every
    later run of the job for ever; the run's own record in ``job_runs`` lapses by itself, and
    the job runs again. Each row is ended by a conditional delete: two workers releasing at
    once end it once."""
    connector = _deferrer(database_url).connector
    stalled = connector.execute_query_all(
        query=sql.queries["select_stalled_jobs_by_heartbeat"],
        queue=None,
        task_name=None,
        seconds_since_heartbeat=stale_seconds,
    )
    released = 0
    for row in stalled:
        try:
            connector.execute_query(
                query=sql.queries["finish_job"],
                job_id=row["id"],
                status=Status.FAILED.value,
                delete_job=True,
            )
        except ConnectorException:  # ended by another worker meanwhile
            continue
        released += 1
        log.warning("stalled job released", extra={"job": row["task_name"]})
    return released


class ProcrastinateEngine:
    name = "procrastinate"

    def __init__(self, app: Flask) -> None:
        self.app = app

    def wake(self, job_name: str) -> None:
        """Defer a run of the job by its name, with the lock and queueing lock of its task."""
        deferrer = _deferrer(self.app.config["DATABASE_URL"])
        # AlreadyEnqueued: a run is waiting already, and it will see this work too.
        with contextlib.suppress(AlreadyEnqueued):
            deferrer.configure_task(name=job_name, lock=job_name, queueing_lock=job_name).defer()

    def _worker(self, concurrency: int) -> procrastinate.App:
        portal = logging.getLogger("portal")
        engine_log = logging.getLogger("procrastinate")
        engine_log.handlers[:] = portal.handlers
        engine_log.setLevel(logging.WARNING)
        engine_log.propagate = False
        connector = procrastinate.PsycopgConnector(
            conninfo=conninfo(self.app.config["DATABASE_URL"]),
            min_size=1,
            max_size=concurrency + 2,
        )
        return build(self.app, connector)

    def _run_options(self) -> dict[str, Any]:
        config = self.app.config
        return {
            "name": worker_name(),
            "delete_jobs": "always",
            "update_heartbeat_interval": float(config["JOB_HEARTBEAT_SECONDS"]),
            "stalled_worker_timeout": float(config["JOB_STALE_SECONDS"]),
        }

    def _release_stalled_jobs_until(self, stopped: threading.Event) -> None:
        """Now, then every heartbeat: a worker that was killed is noticed by the others."""
        config = self.app.config
        while True:
            try:
                release_stalled_jobs(config["DATABASE_URL"], config["JOB_STALE_SECONDS"])
            except Exception:  # the database away for a moment: the next round tries again
                log.warning("stalled jobs not released", exc_info=True)
            if stopped.wait(config["JOB_HEARTBEAT_SECONDS"]):
                return

    def _start_releasing(self) -> threading.Event:
        stopped = threading.Event()
        threading.Thread(
            target=self._release_stalled_jobs_until,
            args=(stopped,),
            daemon=True,
            name="job-engine-stalled",
        ).start()
        return stopped

    def work(self, *, concurrency: int) -> None:
        """``portal worker``: until SIGINT or SIGTERM, then the running jobs finish."""
        releasing = self._start_releasing()
        try:
            self._worker(concurrency).run_worker(
                concurrency=concurrency,
                shutdown_graceful_timeout=SHUTDOWN_GRACE_SECONDS,
                **self._run_options(),
            )
        finally:
            releasing.set()

    def start_in_background(self) -> None:
        """A worker in a thread of this process (``portal demo`` on PostgreSQL)."""
        tasks = self._worker(concurrency=2)
        options = self._run_options()

        def run() -> None:
            tasks.run_worker(concurrency=2, install_signal_handlers=False, **options)

        self._start_releasing()
        threading.Thread(target=run, daemon=True, name="job-worker").start()
