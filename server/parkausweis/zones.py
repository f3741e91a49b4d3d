"""Resident parking zones as data (``data/zones.toml``, or the file ``PARKING_ZONES_FILE``):
which street and house number lies in which zone, and the annual fee. Read once at start; a
wrong file refuses the start."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

DEFAULT_FILE = Path(__file__).parent / "data" / "zones.toml"
CONFIG_KEY = "PARKAUSWEIS_ZONES"  # the parsed table in app.config
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
        if _fold(street) != _fold(self.street) or not self.first <= number <= self.last:
            return False
        return self.side == "all" or (number % 2 == 0) == (self.side == "even")


@dataclass(frozen=True)
class Zone:
    code: str
    name: str
    streets: tuple[StreetRange, ...]


@dataclass(frozen=True)
class ZoneTable:
    zones: tuple[Zone, ...]
    fee_per_year_cents: int

    def zone_of(self, address: str) -> Zone | None:
        """The zone of a street address ("Heidestraße 17"); None outside every zone or for an
        address without a house number."""
        found = _ADDRESS.match(address)
        if found is None:
            return None
        street, number = found.group("street"), int(found.group("number"))
        return next(
            (z for z in self.zones if any(r.holds(street, number) for r in z.streets)), None
        )

    def zone(self, code: str) -> Zone | None:
        return next((zone for zone in self.zones if zone.code == code), None)


def has_house_number(address: str) -> bool:
    """Whether an address can be placed at all ("Marktplatz, vor Hausnummer 4" cannot)."""
    return _ADDRESS.match(address) is not None


def _fold(street: str) -> str:
    """Street names compared as people write them: case, "str." for "straße", ß and spaces."""
    text = unicodedata.normalize("NFC", street).casefold().replace("ß", "ss")
    text = re.sub(r"str\.?$", "strasse", text.strip())
    return re.sub(r"[\s.-]+", " ", text).strip()


def parse(text: str) -> ZoneTable:
    """The table from TOML; ``ValueError`` says what is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"not valid TOML: {error}") from error
    fee = data.get("fee_per_year_cents")
    if not isinstance(fee, int) or fee < 0:
        raise ValueError("fee_per_year_cents must be a whole number of cents, 0 or more")
    zones = []
    for raw in data.get("zone", []):
        code, name = str(raw.get("code", "")).strip(), str(raw.get("name", "")).strip()
        if not code or not name:
            raise ValueError("every zone needs a code and a name")
        streets = []
        for street in raw.get("streets", []):
            side = street.get("side", "all")
            first, last = street.get("from"), street.get("to")
            if side not in SIDES or not isinstance(first, int) or not isinstance(last, int):
                raise ValueError(f"zone {code}: a street needs from, to and side {SIDES}")
            if first > last or not str(street.get("street", "")).strip():
                raise ValueError(f"zone {code}: {street.get('street')!r} from {first} to {last}")
            streets.append(StreetRange(str(street["street"]).strip(), first, last, side))
        zones.append(Zone(code, name, tuple(streets)))
    if not zones:
        raise ValueError("no zone")
    if len({zone.code for zone in zones}) != len(zones):
        raise ValueError("zone codes must be unique")
    return ZoneTable(tuple(zones), fee)


def load(path: str) -> ZoneTable:
    source = Path(path) if path else DEFAULT_FILE
    try:
        return parse(source.read_text(encoding="utf-8"))
    except OSError as error:
        raise ValueError(f"cannot read {source}: {error}") from error


def table() -> ZoneTable:
    found = current_app.config[CONFIG_KEY]
    assert isinstance(found, ZoneTable)
    return found
