"""Jobs that the worker test's ``portal worker`` processes run beside the portal's own: imported
by them before the command starts (``test_worker.WORKER``), never by the portal, nor by the
test process (its catalogue stays the portal's)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from server.jobs.catalogue import Counts, Job, register_job
from tests.integration.jobs.helpers import FAILURE, YEARLY

#: The file whose existence lets the gated jobs go on (``TEST_JOB_GATE``, set by the test).
GATE = "TEST_JOB_GATE"

#: Every two seconds (cron's sixth field is the second).
EVERY_TWO_SECONDS = "* * * * * */2"
#: Every five seconds: each time fails, and is retried once a second later.
EVERY_FIVE_SECONDS = "* * * * * */5"


def tick() -> Counts:
    return {"ticks": 1}


def fail() -> Counts:
    raise RuntimeError(FAILURE)


def wait_at_the_gate() -> None:
    """Until the test creates the gate file: meanwhile the test can act on the running run."""
    gate = Path(os.environ[GATE])
    deadline = time.monotonic() + 60
    while not gate.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def fail_when_let_through() -> Counts:
    wait_at_the_gate()
    raise RuntimeError(FAILURE)


def succeed_when_let_through() -> Counts:
    wait_at_the_gate()
    return {"ticks": 1}


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
register_job(
    Job(
        "test-gated-fails",
        "Scheitert auf Zeichen (Test)",
        YEARLY,
        "",
        fail_when_let_through,
        retries=1,
        retry_wait_seconds=1,
    )
)
register_job(
    Job("test-gated", "Läuft auf Zeichen (Test)", YEARLY, "", succeed_when_let_through, retries=0)
)
