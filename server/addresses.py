"""Street addresses of the city as people type them: which street range an address lies in.
Areas that place an address by street and house number (parking zones, pickup districts) read
their ranges with ``street_ranges`` and ask ``StreetRange.holds``."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SIDES = ("all", "even", "odd")
# "Heidestraße 17", "Heidestr. 17a", "Am Markt 3-5": the street, then the first number.
_ADDRESS = re.compile(r"^\s*(?P<street>.*?[^\d\s])\s*(?P<number>\d+)\s*[a-zA-Z]?(\s*[-/].*)?\s*$")


@dataclass(frozen=True)
class StreetRange:
    street: str
    first: int
    last: int
    side: str = "all"

    def holds(self, street: str, number: int) -> bool:
        if fold(street) != fold(self.street) or not self.first <= number <= self.last:
            return False
        return self.side == "all" or (number % 2 == 0) == (self.side == "even")


def split(address: str) -> tuple[str, int] | None:
    """Street and house number of "Heidestraße 17"; None without a house number."""
    found = _ADDRESS.match(address)
    if found is None:
        return None
    return found.group("street"), int(found.group("number"))


def within(address: str, ranges: Iterable[StreetRange]) -> bool:
    parts = split(address)
    return parts is not None and any(r.holds(*parts) for r in ranges)


def has_house_number(address: str) -> bool:
    """Whether an address can be placed at all ("Marktplatz, vor Hausnummer 4" cannot)."""
    return _ADDRESS.match(address) is not None


def fold(street: str) -> str:
    """Street names compared as people write them: case, "str." for "straße", ß and spaces."""
    text = unicodedata.normalize("NFC", street).casefold().replace("ß", "ss")
    text = re.sub(r"str\.?$", "strasse", text.strip())
    return re.sub(r"[\s.-]+", " ", text).strip()


def street_ranges(raw: Iterable[Mapping[str, Any]], owner: str) -> tuple[StreetRange, ...]:
    """Ranges from data (``{street, from, to, side}``); ``ValueError`` names ``owner``."""
    ranges = []
    for street in raw:
        side = street.get("side", "all")
        first, last = street.get("from"), street.get("to")
        if side not in SIDES or not isinstance(first, int) or not isinstance(last, int):
            raise ValueError(f"{owner}: a street needs from, to and side {SIDES}")
        if first > last or not str(street.get("street", "")).strip():
            raise ValueError(f"{owner}: {street.get('street')!r} from {first} to {last}")
        ranges.append(StreetRange(str(street["street"]).strip(), first, last, side))
    return tuple(ranges)
