"""Free appointment times, computed from opening hours, counters, durations and what is taken.

Pure functions (no database): ``server.appointments.booking`` feeds them the rows.

- Opening hours are wall-clock times in the city (``Europe/Berlin``); each span of a day is cut
  into **cells** of the grid (``APPOINTMENT_SLOT_MINUTES``) counted in real time from the span's
  opening moment, so a day on which the clocks change has an hour less or more of cells, and every
  cell is a moment in UTC, as it is stored.
- An appointment's **length** is the sum of its services' minutes, once per person (two persons
  who both need a new Personalausweis take the counter twice as long), rounded up to whole cells.
- A **start** is free at a counter when that many consecutive cells of one span are free there.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Span:
    """Opening hours of one weekday (0 is Monday), local wall-clock time."""

    weekday: int
    opens: time
    closes: time


def cells_needed(durations: Iterable[int], persons: int, grid_minutes: int) -> int:
    """How many grid cells an appointment takes: the services' minutes for each person."""
    minutes = sum(durations) * max(persons, 1)
    return max(1, math.ceil(minutes / grid_minutes))


def local_moment(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The UTC moment the city's clocks show ``clock`` on ``day``. A time the clocks skip (2:30
    on the last Sunday of March) is read with the offset before the change, as ``zoneinfo``
    does."""
    return datetime.combine(day, clock, zone).astimezone(UTC)


def day_runs(
    day: date, spans: Sequence[Span], zone: ZoneInfo, grid_minutes: int
) -> list[list[datetime]]:
    """The cells of ``day`` as runs of consecutive UTC moments, one run per opening span."""
    step = timedelta(minutes=grid_minutes)
    runs = []
    for span in sorted(spans, key=lambda s: s.opens):
        if span.weekday != day.weekday():
            continue
        moment = local_moment(day, span.opens, zone)
        end = local_moment(day, span.closes, zone)
        run = []
        while moment + step <= end:
            run.append(moment)
            moment += step
        if run:
            runs.append(run)
    return runs


def free_starts(
    runs_by_counter: Mapping[int, Sequence[Sequence[datetime]]],
    taken: set[tuple[int, datetime]],
    cells: int,
    after: datetime,
) -> list[tuple[datetime, list[int]]]:
    """Each start after ``after`` with the counters where ``cells`` consecutive cells of one run
    are free, earliest first."""
    found: dict[datetime, list[int]] = {}
    for counter, runs in runs_by_counter.items():
        for run in runs:
            free = [(counter, cell) not in taken for cell in run]
            for index in range(len(run) - cells + 1):
                if run[index] > after and all(free[index : index + cells]):
                    found.setdefault(run[index], []).append(counter)
    return sorted((start, sorted(counters)) for start, counters in found.items())


def cells_from(start: datetime, cells: int, grid_minutes: int) -> list[datetime]:
    """The cells an appointment starting at ``start`` takes."""
    step = timedelta(minutes=grid_minutes)
    return [start + index * step for index in range(cells)]


def is_start_in(runs: Sequence[Sequence[datetime]], start: datetime, cells: int) -> bool:
    """Whether an appointment of ``cells`` cells starting at ``start`` fits in one run."""
    for run in runs:
        if start in run:
            return run.index(start) + cells <= len(run)
    return False
