"""Jobs for the job engine's tests, and reading their record."""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask
from sqlalchemy import select

from server.extensions import db
from server.jobs.catalogue import Counts, Job
from server.jobs.models import JobRun

#: What the failing test jobs raise.
FAILURE = "Die Gegenstelle antwortet nicht"
#: A schedule whose newest time is long past (1 January, 00:00 UTC): a runner runs it once at
#: its start and then not for a year.
YEARLY = "0 0 1 1 *"


class Calls:
    """Counts the calls of a job's function, from any thread."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            self.count += 1
            return self.count


def counting_job(name: str, calls: Calls, *, schedule: str = YEARLY, **options: object) -> Job:
    def run() -> Counts:
        return {"done": calls()}

    return Job(name, name, schedule, "", run, counts=(("done", "done"),), **options)  # type: ignore[arg-type]


def failing_job(
    name: str, *, message: str = "Die Gegenstelle antwortet nicht", **options: object
) -> Job:
    def run() -> Counts:
        raise RuntimeError(message)

    return Job(name, name, YEARLY, "", run, **options)  # type: ignore[arg-type]


def job(name: str, run: Callable[[], Counts], **options: object) -> Job:
    return Job(name, name, YEARLY, "", run, **options)  # type: ignore[arg-type]


def runs(app: Flask, name: str) -> list[JobRun]:
    with app.app_context():
        found = list(
            db.session.scalars(select(JobRun).where(JobRun.job_name == name).order_by(JobRun.id))
        )
        db.session.expunge_all()
        return found
