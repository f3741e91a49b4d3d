"""The journey mix's CPU per request (``bench/cpu_use.py``): a server's workers are counted with
it, and only the access log's lines are requests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench.cpu_use import Clock, process_tree_seconds, requests_logged

# A child that burns about half a second of CPU, then waits for its input to end.
BURNING = (
    "import sys, time\n"
    "end = time.process_time() + 0.5\n"
    "while time.process_time() < end: pass\n"
    "sys.stdin.read()\n"
)
# A parent (the server) that starts the child (its worker) and waits for its own input to end.
BURNING_CHILD = (
    "import subprocess, sys\n"
    f"child = subprocess.Popen([sys.executable, '-c', {BURNING!r}], stdin=subprocess.PIPE)\n"
    "sys.stdin.read()\n"
    "child.stdin.close()\n"
    "child.wait()\n"
)


def test_a_servers_workers_count_with_it() -> None:
    parent = subprocess.Popen([sys.executable, "-c", BURNING_CHILD], stdin=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while process_tree_seconds(parent.pid) < 0.5 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert process_tree_seconds(parent.pid) >= 0.5
    finally:
        assert parent.stdin is not None
        parent.stdin.close()
        parent.wait(timeout=20)
    assert process_tree_seconds(parent.pid) == 0.0  # gone: nothing to read


def test_only_the_access_lines_of_a_server_log_are_requests(tmp_path: Path) -> None:
    log = tmp_path / "portal.log"
    log.write_text(
        '127.0.0.1 - - [07/Dec/2026:08:20:01 +0000] "GET /b/x HTTP/1.1" 302 0 "-" "phone"\n'
        '{"ts": "2026-12-07T08:20:01", "level": "info", "event": "payment started"}\n'
        '127.0.0.1 - - [07/Dec/2026:08:20:02 +0000] "POST /zahlungen/ HTTP/1.1" 422 9 "-" "-"\n'
        "[2026-12-07 08:20:00 +0000] [12] [INFO] Booting worker with pid: 12\n"
    )
    assert requests_logged(log) == 2
    assert requests_logged(tmp_path / "missing.log") == 0


def test_the_clock_divides_by_the_requests_answered(tmp_path: Path) -> None:
    log = tmp_path / "portal.log"
    log.write_text('10.0.0.1 - - [07/Dec/2026:08:20:01 +0000] "GET / HTTP/1.1" 200 5 "-" "-"\n')
    clock = Clock(portal_pid=os.getpid())
    clock.start()
    end = time.process_time() + 0.2
    while time.process_time() < end:
        pass
    measured = clock.stop(log)
    assert measured["requests"] == 1
    assert measured["portal_ms_per_request"] >= 200
