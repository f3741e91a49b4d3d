"""Run test code in threads released at once, and let a thread's exception fail the test.

A plain ``threading.Thread`` swallows what its target raises (pytest only warns), and a thread
that dies before its barrier leaves the others waiting forever. ``together`` re-raises the first
exception of any thread in the test, and breaks the barrier for the others when one fails.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

#: Wait at most this long at the barrier: a thread that never arrives fails the test, not CI.
BARRIER_TIMEOUT = 60.0

#: Called by a thread when it is ready; returns once every thread is ready.
Wait = Callable[[], object]


def together(
    actions: Sequence[Callable[[Wait], T]], *, timeout: float = BARRIER_TIMEOUT
) -> list[T]:
    """Run each action in its own thread; each gets ``wait``, the barrier that releases them all
    at once (call it right before the raced step). Returns the actions' results in order; if any
    raised, the first exception (other than a barrier broken by it) is raised here."""
    barrier = threading.Barrier(len(actions), timeout=timeout)

    def run(action: Callable[[Wait], T]) -> T:
        try:
            return action(barrier.wait)
        except BaseException:
            barrier.abort()  # the others stop waiting for this thread
            raise

    with ThreadPoolExecutor(max_workers=len(actions)) as pool:
        futures = [pool.submit(run, action) for action in actions]
        errors = [error for future in futures if (error := future.exception()) is not None]
    if errors:
        causes = [e for e in errors if not isinstance(e, threading.BrokenBarrierError)]
        raise (causes or errors)[0]
    return [future.result() for future in futures]


def times(count: int, action: Callable[[Wait], T]) -> list[Callable[[Wait], T]]:
    """``count`` copies of ``action``, for ``together``."""
    return [action] * count
