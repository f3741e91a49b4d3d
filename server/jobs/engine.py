"""The job engine: one interface, the engine of the database chosen at start.

PostgreSQL runs the jobs on procrastinate (its tables in the same database: periodic jobs
deferred once per period whatever the number of workers, locks, retries, LISTEN/NOTIFY); SQLite,
the demo's database, on the in-process runner. Both run every job through
``server.jobs.runs.run_job``, so the record and the lock against running a job twice are the
same on both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from flask import Flask
from sqlalchemy.engine import make_url

from server.backends import Registry


class JobEngine(Protocol):
    name: str

    def wake(self, job_name: str) -> None:
        """Run ``job_name`` soon (called after a commit, in any process of the portal)."""

    def work(self, *, concurrency: int) -> None:
        """Run the jobs in the foreground until stopped (``portal worker``)."""

    def start_in_background(self) -> None:
        """Run the jobs in threads of this process beside its web server (``portal demo``)."""


EngineFactory = Callable[[Flask], JobEngine]

#: The engines by the database backend they run on.
ENGINES: Registry[EngineFactory] = Registry("job engine for database")


def _procrastinate(app: Flask) -> JobEngine:
    from server.jobs.procrastinate_engine import ProcrastinateEngine

    return ProcrastinateEngine(app)


def _in_process(app: Flask) -> JobEngine:
    from server.jobs.inprocess import InProcessEngine

    return InProcessEngine(app)


ENGINES.register("postgresql", _procrastinate)
ENGINES.register("sqlite", _in_process)


def init_engine(app: Flask) -> None:
    """Choose the engine of ``DATABASE_URL``; nothing connects before it is used."""
    backend = make_url(app.config["DATABASE_URL"]).get_backend_name()
    app.extensions["jobs_engine"] = ENGINES.choose(backend)(app)


def engine_of(app: Flask) -> JobEngine:
    found: JobEngine = app.extensions["jobs_engine"]
    return found
