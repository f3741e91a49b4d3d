"""The in-process runner: the job engine on SQLite (the demo's database).

One thread per job sleeps until the job's next scheduled time, a retry that is due, or a request
(``wake``), and runs it through ``run_job``. The threads run in ``portal demo`` beside the web
server and in ``portal worker``. Two processes on one database do not run a job at once nor a
scheduled time twice: ``run_job`` claims each run in ``job_runs`` first, and the database lets
one claim win. On start each job runs its newest scheduled time if no process has run it (so a
daily job runs when the demo starts, once); later times as they come.

A request reaches the runners of this process only; a ``portal worker`` in another process on
the same SQLite database finds the work at its next scheduled time (every minute for the
outbox).
"""

from __future__ import annotations

import signal
import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import FrameType

from flask import Flask

from server.db import utcnow
from server.jobs.catalogue import Job, all_jobs
from server.jobs.models import Trigger
from server.jobs.runs import RunResult, run_job
from server.logs import get_logger

log = get_logger("jobs")

#: Longest sleep between looks at the clock (a changed clock, a stop).
LONGEST_SLEEP = 30.0
#: A request refused because the job was running elsewhere is tried again after this.
REQUEST_AGAIN = timedelta(seconds=5)
#: After an error of the runner itself (the database away), the next try.
PAUSE_AFTER_ERROR = timedelta(seconds=10)

_RUNNERS: dict[str, list[InProcessRunner]] = defaultdict(list)
_RUNNERS_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Retry:
    at: datetime
    scheduled_for: datetime | None
    attempt: int


class _JobLoop:
    """The state of one job's thread."""

    def __init__(self, runner: InProcessRunner, job: Job) -> None:
        self.runner, self.job = runner, job
        self.requested = threading.Event()
        self.next_due = job.last_at_or_before(utcnow())
        self.retry: _Retry | None = None
        self.request_at: datetime | None = None

    def _run(self, trigger: Trigger, scheduled_for: datetime | None, attempt: int) -> RunResult:
        with self.runner.app.app_context():
            return run_job(self.job, trigger=trigger, scheduled_for=scheduled_for, attempt=attempt)

    def _after(self, result: RunResult, scheduled_for: datetime | None, attempt: int) -> None:
        if result.failed and attempt <= self.job.retries:
            wait = timedelta(seconds=self.job.retry_wait_seconds * attempt)
            self.retry = _Retry(utcnow() + wait, scheduled_for, attempt + 1)
        else:
            self.retry = None

    def step(self) -> None:
        """Run what is due now: a retry, the scheduled time, a request, in that order."""
        now = utcnow()
        if self.requested.is_set():
            self.requested.clear()
            self.request_at = now
        if self.retry is not None and self.retry.at <= now:
            retry = self.retry
            trigger = Trigger.SCHEDULE if retry.scheduled_for else Trigger.REQUEST
            result = self._run(trigger, retry.scheduled_for, retry.attempt)
            self._after(result, retry.scheduled_for, retry.attempt)
        elif self.next_due <= now:
            due, self.next_due = self.next_due, self.job.next_after(now)
            self._after(self._run(Trigger.SCHEDULE, due, 1), due, 1)
            self.request_at = None  # the scheduled run did what was asked for
        elif self.request_at is not None and self.request_at <= now:
            result = self._run(Trigger.REQUEST, None, 1)
            # Running elsewhere: that run may have read the outbox before the new mail.
            self.request_at = now + REQUEST_AGAIN if result.run_id is None else None
            self._after(result, None, 1)

    def seconds_to_next(self) -> float:
        moments = [self.next_due]
        if self.retry is not None:
            moments.append(self.retry.at)
        if self.request_at is not None:
            moments.append(self.request_at)
        return max(0.0, min(LONGEST_SLEEP, (min(moments) - utcnow()).total_seconds()))

    def loop(self) -> None:
        stopped = self.runner.stopped
        while not stopped.is_set():
            try:
                self.step()
            except Exception:  # the database away for a moment: the runner carries on
                log.exception("job runner failed", extra={"job": self.job.name})
                stopped.wait(PAUSE_AFTER_ERROR.total_seconds())
                continue
            self.requested.wait(self.seconds_to_next())


class InProcessRunner:
    def __init__(self, app: Flask, jobs: list[Job] | None = None) -> None:
        self.app = app
        self.stopped = threading.Event()
        self.loops = {job.name: _JobLoop(self, job) for job in (jobs or all_jobs())}
        self.threads: list[threading.Thread] = []

    @property
    def database(self) -> str:
        return str(self.app.config["DATABASE_URL"])

    def start(self) -> InProcessRunner:
        with _RUNNERS_LOCK:
            _RUNNERS[self.database].append(self)
        for name, job_loop in self.loops.items():
            thread = threading.Thread(target=job_loop.loop, daemon=True, name=f"job-{name}")
            thread.start()
            self.threads.append(thread)
        log.info("job runner started", extra={"jobs": sorted(self.loops)})
        return self

    def wake(self, job_name: str) -> None:
        found = self.loops.get(job_name)
        if found is not None:
            found.requested.set()

    def stop(self, timeout: float = 30.0) -> None:
        self.stopped.set()
        for job_loop in self.loops.values():
            job_loop.requested.set()
        for thread in self.threads:
            thread.join(timeout=timeout)
        with _RUNNERS_LOCK:
            if self in _RUNNERS[self.database]:
                _RUNNERS[self.database].remove(self)


class InProcessEngine:
    name = "in-process"

    def __init__(self, app: Flask) -> None:
        self.app = app

    def wake(self, job_name: str) -> None:
        with _RUNNERS_LOCK:
            runners = list(_RUNNERS.get(str(self.app.config["DATABASE_URL"]), []))
        for runner in runners:
            runner.wake(job_name)

    def start(self) -> InProcessRunner:
        return InProcessRunner(self.app).start()

    def start_in_background(self) -> None:
        """Run the jobs in background threads of this process (``portal demo``)."""
        self.start()

    def work(self, *, concurrency: int) -> None:
        """``portal worker`` on SQLite: every job its own thread (``concurrency`` is not
        needed), until SIGINT or SIGTERM."""
        runner = self.start()
        stop = threading.Event()

        def _stop(_signal: int, _frame: FrameType | None) -> None:
            stop.set()

        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, _stop)
        while not stop.wait(1.0):
            pass
        runner.stop()
