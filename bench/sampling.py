"""Where the portal's workers spend their time, sampled with py-spy while the journey mix or
wrk (``bench/run.py --page-sample``) runs.

cProfile (``bench/run.py --profile``) slows a worker down several times and counts only the
time in Python; under the journey mix what matters as much is what a worker waits for (a round
trip to PostgreSQL, the payment platform). py-spy samples the running ``portal serve`` and its
workers from outside (``--subprocesses``), at little cost to them: this found the pool's
``SELECT 1`` before every check-out at a ninth of the workers' time (issue 17). With
``gil=True`` only the samples of a thread holding the interpreter count: its CPU in Python.

py-spy reads another process's memory: it needs ptrace (root, or ``CAP_SYS_PTRACE``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

# Samples a second of each process: py-spy's reading of four processes' stacks takes CPU from
# the two cores the mix already fills, so a sampled run's latencies are not the mix's.
RATE = 50

# Where a worker starts to answer a request.
_REQUEST = "Flask.wsgi_app (flask/app.py"
# Where gunicorn's worker starts on a connection it accepted: reading and parsing the request,
# the app, writing the answer, closing (the sync worker's and the threaded one's).
CONNECTION = ("SyncWorker.handle (gunicorn/workers/sync.py", "ThreadWorker.handle (gunicorn/")
_LINE_NUMBER = re.compile(r":\d+\)$")


def py_spy() -> str:
    """The py-spy of this environment (``pip install -e '.[bench]'``)."""
    beside = Path(sys.executable).with_name("py-spy")
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if found is None:
        raise RuntimeError("py-spy is not installed: pip install -e '.[bench]'")
    return found


def record(pid: int, seconds: int, output: Path, *, gil: bool) -> subprocess.Popen[bytes]:
    """Start sampling ``pid`` and its children for ``seconds``; raw stacks go to ``output``."""
    command = [
        py_spy(),
        "record",
        "--pid",
        str(pid),
        "--subprocesses",
        "--duration",
        str(seconds),
        "--rate",
        str(RATE),
        "--nonblocking",
        "--format",
        "raw",
        "--output",
        str(output),
    ]
    if gil:
        command.append("--gil")
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@dataclass(frozen=True)
class Share:
    percent: float
    frame: str


def inclusive_shares(
    raw: Path, *, top: int = 30, under: str | tuple[str, ...] = _REQUEST
) -> list[Share]:
    """The frames under Flask's ``wsgi_app`` (answering requests, not gunicorn's waiting for
    them), or under the frame ``under`` names (its start, e.g. ``CONNECTION``), by the share of
    those samples they are on, largest first; a frame counts once per sample however deep it
    recurs."""
    answering = 0
    on_stack: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = [_LINE_NUMBER.sub(")", frame) for frame in stack.split(";")]
        start = next((i for i, frame in enumerate(frames) if frame.startswith(under)), None)
        if start is None:
            continue
        answering += int(count)
        for frame in dict.fromkeys(frames[start + 1 :]):
            on_stack[frame] += int(count)
    if not answering:
        return []
    return [
        Share(round(100 * samples / answering, 1), frame)
        for frame, samples in on_stack.most_common(top)
    ]
