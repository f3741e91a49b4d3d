"""What other areas know about a plate that the fines office should see on a case (a valid
resident parking permit). They register a function here from their ``init_<area>``; the case
page asks each, so that fines imports none of them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

# (plate, place of the offence, day of the offence in city time) -> a sentence, or None.
PlateNote = Callable[[str, str, date], str | None]
_NOTES: list[PlateNote] = []


def register_plate_note(note: PlateNote) -> None:
    if note not in _NOTES:
        _NOTES.append(note)


def notes_for(plate: str, place: str, day: date) -> list[str]:
    return [said for note in _NOTES if (said := note(plate, place, day))]
