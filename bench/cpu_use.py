"""CPU time the journey mix's servers used, per request answered: a before-and-after comparison
that does not depend on how busy the shared machine was, as the latencies do.

``Clock`` reads the user and system CPU seconds of ``portal serve`` with its workers and of the
PostgreSQL server's processes when the portal is up and again when Locust is done; divided by
the requests in the portal's access log (warm-up, the clerks' logins and the platform's
notifications included) it gives milliseconds of CPU per request. A worker that ended during the
run takes its seconds with it (``portal serve`` does not replace workers after a number of
requests), and so does a PostgreSQL backend whose connection closed (the portal's pool keeps
them). Slower cores still count more seconds: compare runs of one machine and hour.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import psutil  # type: ignore[import-untyped]  # no stubs installed


def _seconds(processes: Iterable[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        with contextlib.suppress(psutil.Error):  # ended meanwhile
            times = process.cpu_times()
            total += times.user + times.system
    return total


def process_tree_seconds(pid: int) -> float:
    """User and system CPU seconds of a process and its living descendants."""
    try:
        root = psutil.Process(pid)
        family = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    return _seconds(family)


def postgres_seconds() -> float:
    """User and system CPU seconds of the processes named ``postgres`` (the server and its
    backends: all databases, the bench's is the busy one)."""
    return _seconds(
        process
        for process in psutil.process_iter(["name"])
        if (process.info.get("name") or "").startswith("postgres")
    )


# gunicorn's access log line: address, identity, user, [time], "request line", status; the
# portal's own log lines in the same file are JSON.
_ACCESS_LINE = re.compile(r'^\S+ \S+ \S+ \[[^\]]+\] "[^"]*" \d{3} ')


def requests_logged(log: Path) -> int:
    """The requests in a server log's gunicorn access lines."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return 0
    return sum(1 for line in lines if _ACCESS_LINE.match(line))


@dataclass
class Clock:
    """Started when the portal is up, stopped when the load is done."""

    portal_pid: int
    portal_start: float = 0.0
    postgres_start: float = 0.0

    def start(self) -> None:
        self.portal_start = process_tree_seconds(self.portal_pid)
        self.postgres_start = postgres_seconds()

    def stop(self, access_log: Path) -> dict[str, float | int]:
        portal = process_tree_seconds(self.portal_pid) - self.portal_start
        postgres = postgres_seconds() - self.postgres_start
        answered = requests_logged(access_log)
        per_request = 1000 / answered if answered else 0.0
        return {
            "requests": answered,
            "portal_cpu_s": round(portal, 2),
            "postgres_cpu_s": round(postgres, 2),
            "portal_ms_per_request": round(portal * per_request, 2),
            "postgres_ms_per_request": round(postgres * per_request, 2),
        }
