"""The job catalogue: every scheduled job with its name, schedule and function.

Each area registers its own jobs in its ``init_<area>(app)`` (the outbox in ``mail``, polling in
``payments``...); the job engine (``server.jobs.engine``) runs what is registered here, whichever
engine it is. The registry is the portal's usual one: a second, different job under a name that
is taken stops the start, the same one again changes nothing (every app built in a process
registers again).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from croniter import croniter
from flask_babel import LazyString

from server.backends import Registry

#: What a job returns: counts of what it did ({"sent": 3, "failed": 0}), recorded with its run.
Counts = Mapping[str, int]


class PartlyFailed(Exception):
    """Raised by a job that did part of its work: the run is recorded as failed, with its
    counts, and retried (what was done is not done again: jobs are idempotent)."""

    def __init__(self, message: str, counts: Counts) -> None:
        super().__init__(message)
        self.counts = counts


@dataclass(frozen=True)
class Job:
    """One job. ``schedule`` is a cron expression in UTC (five fields); ``every`` says it in
    words for the back office. ``retries``: further attempts after a failed run, each
    ``retry_wait_seconds`` times the attempt later. ``counts`` names the counts the function
    returns, in the order the back office shows them."""

    name: str
    title: LazyString | str
    schedule: str
    every: LazyString | str
    run: Callable[[], Counts]
    counts: tuple[tuple[str, LazyString | str], ...] = ()
    retries: int = 2
    retry_wait_seconds: int = 30

    def __post_init__(self) -> None:
        if not croniter.is_valid(self.schedule):
            raise ValueError(f"job {self.name!r}: not a cron expression: {self.schedule!r}")

    def next_after(self, moment: datetime) -> datetime:
        """The first scheduled time after ``moment`` (aware, UTC)."""
        found: datetime = croniter(self.schedule, moment).get_next(datetime)
        return found

    def last_at_or_before(self, moment: datetime) -> datetime:
        """The newest scheduled time not after ``moment``."""
        # croniter's previous time is strictly before its start, and it counts in whole minutes.
        found: datetime = croniter(self.schedule, moment + timedelta(seconds=1)).get_prev(datetime)
        return found


JOBS: Registry[Job] = Registry("job")


def register_job(job: Job) -> Job:
    return JOBS.register(job.name, job)


def all_jobs() -> list[Job]:
    return [job for _name, job in JOBS.items()]


def find_job(name: str) -> Job | None:
    return JOBS.get(name)
