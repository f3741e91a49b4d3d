"""Times and dates as a person reads them: in the city's local time, German style.

The portal stores every moment in UTC (PostgreSQL hands back aware datetimes, SQLite naive ones
that are UTC, see ``server.db.as_utc``). Whatever a person reads (letters, receipts, the evidence
photo's stamp, pages, mails, exports, the back office) shows the city's wall-clock time in the
zone ``CITY_TIMEZONE`` (``Europe/Berlin`` unless configured), and a "day" (today's date, the
day of an export or of an audit-log filter) is a day in that zone.

Pages format with Flask-Babel's filters (``datetimeformat``, ``dateformat``) in the visitor's
language; ``server.config`` sets their zone (``BABEL_DEFAULT_TIMEZONE``) to ``CITY_TIMEZONE``,
so they and these helpers show the same time. The helpers here are for the German official
texts made in Python (PDFs, the photo stamp, mails): ``"17.03.2026"``, ``"14:30"``,
``"17.03.2026, 14:30 Uhr"``, ``"Dienstag, 17.03.2026, 14:30 Uhr"``.

Amounts are integer cents inside the portal; ``euro`` writes them as a reader reads them, in the
reader's language or, for an official German paper, in German: ``"25,00 €"``.

Outside an application (unit tests of the PDF renderers, scripts) the zone is the default one.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import format_currency
from flask import current_app, has_app_context
from flask_babel import get_locale

DEFAULT_CITY_TIMEZONE = "Europe/Berlin"
WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")


def time_zone(name: str) -> ZoneInfo:
    """The IANA zone ``name`` (e.g. ``"Europe/Berlin"``); ``ValueError`` for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"not a known IANA time zone: {name!r}") from error


def city_zone() -> ZoneInfo:
    """The city's time zone: the app's ``CITY_TIMEZONE``, else the default."""
    if has_app_context():
        return time_zone(str(current_app.config.get("CITY_TIMEZONE", DEFAULT_CITY_TIMEZONE)))
    return time_zone(DEFAULT_CITY_TIMEZONE)


def city_time(moment: datetime) -> datetime:
    """A stored moment in the city's time (aware). A naive moment is UTC, as the database
    stores it."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(city_zone())


def city_now() -> datetime:
    return datetime.now(UTC).astimezone(city_zone())


def city_today() -> date:
    """Today's date in the city (not in the zone the server happens to run in)."""
    return city_now().date()


def city_day_start(day: date) -> datetime:
    """The moment (in UTC) the city's ``day`` begins: 23:00 or 22:00 UTC the day before in
    Berlin, depending on summer time."""
    return datetime.combine(day, time.min, city_zone()).astimezone(UTC)


def city_moment(day: date, clock: time) -> datetime:
    """The moment (in UTC) the city's clocks show ``clock`` on ``day``."""
    return datetime.combine(day, clock, city_zone()).astimezone(UTC)


def city_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The city's ``day`` as a half-open range of UTC moments ``[start, end)``; 23 or 25
    hours long on the days the clocks change."""
    return city_day_start(day), city_day_start(day + timedelta(days=1))


def german_date(day: date) -> str:
    """``"17.03.2026"``. A datetime is taken as the city's time first."""
    if isinstance(day, datetime):
        day = city_time(day)
    return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"


def german_time(moment: datetime) -> str:
    """The city's clock time: ``"14:30"``."""
    local = city_time(moment)
    return f"{local.hour:02d}:{local.minute:02d}"


def german_date_time(moment: datetime) -> str:
    """``"17.03.2026, 14:30 Uhr"`` in the city's time."""
    return f"{german_date(moment)}, {german_time(moment)} Uhr"


def german_weekday_date_time(moment: datetime) -> str:
    """``"Dienstag, 17.03.2026, 14:30 Uhr"`` in the city's time (the Tatzeit of a letter)."""
    return f"{WEEKDAYS[city_time(moment).weekday()]}, {german_date_time(moment)}"


def local_iso(moment: datetime) -> str:
    """A machine-readable moment in the city's time with its offset, to the second:
    ``"2026-03-17T14:30:00+01:00"`` (exports)."""
    return city_time(moment).isoformat(timespec="seconds")


def euro(cents: int, locale: str | None = None) -> str:
    """The amount as a language writes it: ``"1.234,56 €"`` in German (a no-break space before
    the sign), ``"€1,234.56"`` in English. In ``locale``, else in the reader's language
    (Flask-Babel's locale), else in German; official German papers (PDFs) pass ``"de"``."""
    return _euro(cents, str(locale or get_locale() or "de"))


@functools.lru_cache(maxsize=4096)
def _euro(cents: int, locale: str) -> str:
    # Babel reads the locale's currency pattern and rounds through Decimal on every call; a
    # page shows the same few amounts again and again (issue 17).
    return str(format_currency(Decimal(cents) / 100, "EUR", locale=locale))
