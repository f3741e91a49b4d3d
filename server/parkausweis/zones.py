"""Resident parking zones as data (``data/zones.toml``, or the file ``PARKING_ZONES_FILE``):
which street and house number lies in which zone, and the annual fee. Read once at start; a
wrong file refuses the start."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from server.addresses import StreetRange, split, street_ranges

DEFAULT_FILE = Path(__file__).parent / "data" / "zones.toml"
CONFIG_KEY = "PARKAUSWEIS_ZONES"  # the parsed table in app.config


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
        parts = split(address)
        if parts is None:
            return None
        street, number = parts
        return next(
            (z for z in self.zones if any(r.holds(street, number) for r in z.streets)), None
        )

    def zone(self, code: str) -> Zone | None:
        return next((zone for zone in self.zones if zone.code == code), None)


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
        streets = street_ranges(raw.get("streets", []), f"zone {code}")
        zones.append(Zone(code, name, streets))
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
