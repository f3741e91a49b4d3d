"""The thread helper of the tests: a thread's exception fails the test, no thread hangs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.threads import Wait, times, together


def test_results_come_back_in_order() -> None:
    def number(index: int) -> Callable[[Wait], int]:
        def run(wait: Wait) -> int:
            wait()
            return index

        return run

    assert together([number(index) for index in range(4)]) == [0, 1, 2, 3]


def test_a_thread_that_dies_before_the_barrier_fails_the_test_and_frees_the_others() -> None:
    def dies(wait: Wait) -> None:
        raise ValueError("died before the barrier")

    def waits(wait: Wait) -> None:
        wait()

    with pytest.raises(ValueError, match="died before the barrier"):
        together([waits, dies, waits], timeout=30)


def test_a_thread_that_fails_after_the_barrier_fails_the_test() -> None:
    def fails(wait: Wait) -> None:
        wait()
        raise AssertionError("wrong outcome")

    with pytest.raises(AssertionError, match="wrong outcome"):
        together(times(3, fails))
