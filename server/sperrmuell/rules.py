"""The city's rules for bulky waste pickups as data (``data/sperrmuell.toml``, or the file
``SPERRMUELL_FILE``): pickup districts by street and house number with their weekdays and the
pickups a day's tour takes, the volume of each item on the list, the free volume and the fee
above it, which days are offered and until when a pickup may be cancelled. Read once at start;
a wrong file refuses the start."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

from flask import current_app

from server.addresses import StreetRange, split, street_ranges

DEFAULT_FILE = Path(__file__).parent / "data" / "sperrmuell.toml"
CONFIG_KEY = "SPERRMUELL_RULES"  # the parsed rules in app.config
# The list people choose from; each needs a volume in the data. Their names are the
# definition's (translated); a city changes volumes and fees, not the list.
ITEMS = ("sofa", "sessel", "schrank", "bett", "matratze", "tisch", "stuhl", "regal", "teppich")
MAX_PIECES = 10  # of one item in one pickup


@dataclass(frozen=True)
class District:
    code: str
    name: str
    weekdays: frozenset[int]  # ISO: 1 is Monday
    pickups_per_day: int
    streets: tuple[StreetRange, ...]

    @property
    def calendar(self) -> str:
        """Its pickup days on the appointments area's calendar of bookable days."""
        return f"sperrmuell:{self.code}"


@dataclass(frozen=True)
class Rules:
    districts: tuple[District, ...]
    volumes: Mapping[str, int]  # tenths of a cubic metre per piece, by item
    free_tenths: int
    max_tenths: int
    fee_per_cubic_metre_cents: int
    earliest_after_days: int
    offered_days: int
    cancel_until: time
    no_pickup: frozenset[date]

    def district_of(self, address: str) -> District | None:
        parts = split(address)
        if parts is None:
            return None
        return next((d for d in self.districts if any(r.holds(*parts) for r in d.streets)), None)

    def district(self, code: str) -> District | None:
        return next((d for d in self.districts if d.code == code), None)

    def pickup_days(self, district: District, today: date) -> list[date]:
        """The district's pickup days the city offers from ``today`` (before capacity)."""
        first = today + timedelta(days=self.earliest_after_days)
        days = (first + timedelta(days=n) for n in range(self.offered_days))
        return [d for d in days if d.isoweekday() in district.weekdays and d not in self.no_pickup]

    def fee_cents(self, tenths: int) -> tuple[int, int]:
        """(started cubic metres above the free volume, their fee)."""
        above = max(0, tenths - self.free_tenths)
        metres = math.ceil(above / 10)
        return metres, metres * self.fee_per_cubic_metre_cents


def tenths(volume: Any, what: str) -> int:
    if isinstance(volume, bool) or not isinstance(volume, int | float) or volume < 0:
        raise ValueError(f"{what} must be a number of cubic metres, 0 or more")
    return round(volume * 10)


def _positive_int(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{key} must be a whole number, 0 or more")
    return value


def _district(raw: Mapping[str, Any]) -> District:
    code, name = str(raw.get("code", "")).strip(), str(raw.get("name", "")).strip()
    if not code or not name:
        raise ValueError("every district needs a code and a name")
    weekdays = raw.get("weekdays", [])
    if not weekdays or not all(isinstance(d, int) and 1 <= d <= 7 for d in weekdays):
        raise ValueError(f"district {code}: weekdays are numbers from 1 (Monday) to 7")
    per_day = raw.get("pickups_per_day")
    if isinstance(per_day, bool) or not isinstance(per_day, int) or per_day < 1:
        raise ValueError(f"district {code}: pickups_per_day must be 1 or more")
    streets = street_ranges(raw.get("streets", []), f"district {code}")
    if not streets:
        raise ValueError(f"district {code}: no street")
    return District(code, name, frozenset(weekdays), per_day, streets)


def parse(text: str) -> Rules:
    """The rules from TOML; ``ValueError`` says what is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"not valid TOML: {error}") from error
    volumes = data.get("volumes", {})
    missing = [item for item in ITEMS if item not in volumes]
    if missing:
        raise ValueError(f"volumes: missing {', '.join(missing)}")
    unknown = sorted(set(volumes) - set(ITEMS))
    if unknown:
        raise ValueError(f"volumes: unknown items {', '.join(unknown)} (the list is {ITEMS})")
    try:
        until = time.fromisoformat(str(data.get("cancel_until", "12:00")))
        no_pickup = frozenset(date.fromisoformat(str(d)) for d in data.get("no_pickup", []))
    except ValueError as error:
        raise ValueError(f"cancel_until or no_pickup: {error}") from error
    districts = tuple(_district(raw) for raw in data.get("district", []))
    if not districts:
        raise ValueError("no district")
    if len({d.code for d in districts}) != len(districts):
        raise ValueError("district codes must be unique")
    rules = Rules(
        districts=districts,
        volumes={item: tenths(volumes[item], f"volumes.{item}") for item in ITEMS},
        free_tenths=tenths(data.get("free_volume"), "free_volume"),
        max_tenths=tenths(data.get("max_volume"), "max_volume"),
        fee_per_cubic_metre_cents=_positive_int(data, "fee_per_started_cubic_metre_cents"),
        earliest_after_days=_positive_int(data, "earliest_after_days"),
        offered_days=_positive_int(data, "offered_days"),
        cancel_until=until,
        no_pickup=no_pickup,
    )
    if rules.max_tenths < rules.free_tenths or rules.max_tenths == 0:
        raise ValueError("max_volume must be above 0 and not below free_volume")
    return rules


def load(path: str) -> Rules:
    source = Path(path) if path else DEFAULT_FILE
    try:
        return parse(source.read_text(encoding="utf-8"))
    except OSError as error:
        raise ValueError(f"cannot read {source}: {error}") from error


def rules() -> Rules:
    found = current_app.config[CONFIG_KEY]
    assert isinstance(found, Rules)
    return found
