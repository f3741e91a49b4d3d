"""Free times from opening hours, in the city's time, stored as UTC, across the clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from server.appointments.slots import (
    Span,
    cells_from,
    cells_needed,
    day_runs,
    free_starts,
    is_start_in,
)

BERLIN = ZoneInfo("Europe/Berlin")
SUNDAY = 6


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_length_is_the_services_minutes_per_person_rounded_up_to_cells() -> None:
    assert cells_needed([20, 15], 1, 10) == 4  # 35 minutes: four cells of ten
    assert cells_needed([20, 15], 2, 10) == 7  # 70 minutes
    assert cells_needed([30], 1, 10) == 3
    assert cells_needed([5], 1, 10) == 1


@pytest.mark.parametrize(
    ("before", "sunday", "winter_offset", "summer_offset"),
    [(date(2026, 3, 28), date(2026, 3, 29), 7, 6), (date(2027, 3, 27), date(2027, 3, 28), 7, 6)],
)
def test_opening_at_eight_is_an_hour_earlier_in_utc_from_the_last_sunday_of_march(
    before: date, sunday: date, winter_offset: int, summer_offset: int
) -> None:
    saturday_runs = day_runs(before, [Span(5, time(8), time(12))], BERLIN, 10)
    sunday_runs = day_runs(sunday, [Span(SUNDAY, time(8), time(12))], BERLIN, 10)
    assert saturday_runs[0][0] == utc(before.year, before.month, before.day, winter_offset)
    assert sunday_runs[0][0] == utc(sunday.year, sunday.month, sunday.day, summer_offset)
    assert len(sunday_runs[0]) == 24  # four hours of ten-minute cells, as any day
    assert sunday_runs[0][-1] == utc(sunday.year, sunday.month, sunday.day, 9, 50)


@pytest.mark.parametrize("sunday", [date(2026, 10, 25), date(2027, 10, 31)])
def test_opening_at_eight_is_an_hour_later_in_utc_from_the_last_sunday_of_october(
    sunday: date,
) -> None:
    saturday = date.fromordinal(sunday.toordinal() - 1)
    assert day_runs(saturday, [Span(5, time(8), time(9))], BERLIN, 30)[0] == [
        utc(saturday.year, saturday.month, saturday.day, 6),
        utc(saturday.year, saturday.month, saturday.day, 6, 30),
    ]
    assert day_runs(sunday, [Span(SUNDAY, time(8), time(9))], BERLIN, 30)[0] == [
        utc(sunday.year, sunday.month, sunday.day, 7),
        utc(sunday.year, sunday.month, sunday.day, 7, 30),
    ]


@pytest.mark.parametrize(
    ("sunday", "hours"),
    [
        (date(2026, 3, 29), 5),  # 02:00 becomes 03:00: a night from 0 to 6 has five hours
        (date(2027, 3, 28), 5),
        (date(2026, 10, 25), 7),  # 03:00 becomes 02:00 again: seven hours
        (date(2027, 10, 31), 7),
    ],
)
def test_a_span_across_the_change_has_the_hours_that_really_pass(sunday: date, hours: int) -> None:
    runs = day_runs(sunday, [Span(SUNDAY, time(0), time(6))], BERLIN, 60)
    assert len(runs[0]) == hours
    # Every cell is an hour after the one before, in real time.
    assert all((b - a).total_seconds() == 3600 for a, b in zip(runs[0], runs[0][1:], strict=False))


def test_a_weekday_without_opening_hours_has_no_cells() -> None:
    assert day_runs(date(2026, 3, 29), [Span(0, time(8), time(12))], BERLIN, 10) == []


def test_a_start_needs_enough_free_cells_in_one_span_at_one_counter() -> None:
    day = date(2026, 3, 30)  # a Monday
    spans = [Span(0, time(8), time(9)), Span(0, time(9, 30), time(10))]
    runs = day_runs(day, spans, BERLIN, 10)
    taken = {(1, utc(2026, 3, 30, 6, 20))}  # 08:20 at counter 1
    starts = free_starts({1: runs, 2: runs}, taken, 3, after=utc(2026, 3, 30, 0))
    by_start = dict(starts)
    assert by_start[utc(2026, 3, 30, 6, 0)] == [2]  # 08:00-08:30 would cross 08:20 at 1
    assert by_start[utc(2026, 3, 30, 6, 30)] == [1, 2]
    assert utc(2026, 3, 30, 6, 40) not in by_start  # 08:40-09:10 runs past the span's end
    assert by_start[utc(2026, 3, 30, 7, 30)] == [1, 2]  # 09:30, the second span
    assert is_start_in(runs, utc(2026, 3, 30, 6, 30), 3)
    assert not is_start_in(runs, utc(2026, 3, 30, 6, 40), 3)
    assert not is_start_in(runs, utc(2026, 3, 30, 6, 35), 1)  # off the grid


def test_only_starts_after_now_are_offered() -> None:
    runs = day_runs(date(2026, 3, 30), [Span(0, time(8), time(9))], BERLIN, 30)
    starts = free_starts({1: runs}, set(), 1, after=utc(2026, 3, 30, 6, 0))
    assert [start for start, _ in starts] == [utc(2026, 3, 30, 6, 30)]


def test_cells_from_a_start() -> None:
    assert cells_from(utc(2026, 3, 29, 6), 2, 10) == [utc(2026, 3, 29, 6), utc(2026, 3, 29, 6, 10)]
