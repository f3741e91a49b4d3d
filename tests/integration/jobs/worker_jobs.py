"""Jobs that the worker test's ``portal worker`` processes run beside the portal's own: imported
by them before the command starts (``test_worker.WORKER``), never by the portal, nor by the
test process (its catalogue stays the portal's)."""

from __future__ import annotations

from server.jobs.catalogue import Counts, Job, register_job
from tests.integration.jobs.helpers import FAILURE

#: Every two seconds (cron's sixth field is the second).
EVERY_TWO_SECONDS = "* * * * * */2"
#: Every five seconds: each time fails, and is retried once a second later.
EVERY_FIVE_SECONDS = "* * * * * */5"


def tick() -> Counts:
    return {"ticks": 1}


def fail() -> Counts:
    raise RuntimeError(FAILURE)


register_job(Job("test-tick", "Takt (Test)", EVERY_TWO_SECONDS, "", tick))
register_job(
    Job(
        "test-fails",
        "Scheitert (Test)",
        EVERY_FIVE_SECONDS,
        "",
        fail,
        retries=1,
        retry_wait_seconds=1,
    )
)
