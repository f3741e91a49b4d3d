"""gunicorn settings for ``bench/run.py --profile``: each worker runs under cProfile from the
moment it has loaded the app (its import and warm start are not in the profile) until it exits,
and writes its profile into ``BENCH_PROFILE_DIR`` as ``worker-<pid>.prof``. ``run.py`` merges
them. A sync worker answers in the thread the profiler watches; gthread workers' request
threads are not profiled (run with ``--threads 1``)."""

from __future__ import annotations

import cProfile
import os
from pathlib import Path
from typing import Any

_profile: cProfile.Profile | None = None


def post_worker_init(worker: Any) -> None:
    global _profile
    _profile = cProfile.Profile()
    _profile.enable()


def worker_exit(server: Any, worker: Any) -> None:
    if _profile is None:
        return
    _profile.disable()
    directory = Path(os.environ["BENCH_PROFILE_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    _profile.dump_stats(directory / f"worker-{os.getpid()}.prof")
