"""City time: stored UTC moments read as the city's wall clock, days as the city's days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from server.config import ConfigurationError, load_config
from server.formatting import (
    DEFAULT_CITY_TIMEZONE,
    city_day_bounds,
    city_day_start,
    city_time,
    city_today,
    city_zone,
    euro,
    german_date,
    german_date_time,
    german_time,
    german_weekday_date_time,
    local_iso,
    time_zone,
)


def city(name: str) -> Flask:
    app = Flask(__name__)
    app.config["CITY_TIMEZONE"] = name
    return app


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        # The last night of winter time: 23:30 UTC is already Sunday in Berlin.
        (datetime(2026, 3, 28, 23, 30), "29.03.2026, 00:30 Uhr"),
        # 02:00 CET became 03:00 CEST.
        (datetime(2026, 3, 29, 0, 59), "29.03.2026, 01:59 Uhr"),
        (datetime(2026, 3, 29, 1, 0), "29.03.2026, 03:00 Uhr"),
        # Summer time: two hours ahead, also across the end of the year's half.
        (datetime(2026, 7, 31, 22, 15), "01.08.2026, 00:15 Uhr"),
        # 03:00 CEST became 02:00 CET: 02:30 happens twice.
        (datetime(2026, 10, 25, 0, 30), "25.10.2026, 02:30 Uhr"),
        (datetime(2026, 10, 25, 1, 30), "25.10.2026, 02:30 Uhr"),
        (datetime(2026, 12, 31, 23, 0), "01.01.2027, 00:00 Uhr"),
    ],
)
def test_a_stored_moment_is_shown_in_berlin_time(stored: datetime, shown: str) -> None:
    # SQLite hands back naive UTC, PostgreSQL aware UTC: both mean the same moment.
    assert german_date_time(stored) == shown
    assert german_date_time(stored.replace(tzinfo=UTC)) == shown


def test_an_aware_moment_in_another_zone_is_converted() -> None:
    new_york = datetime(2026, 3, 17, 8, 5, tzinfo=timezone(timedelta(hours=-5)))
    assert german_date_time(new_york) == "17.03.2026, 14:05 Uhr"
    assert city_time(new_york).utcoffset() == timedelta(hours=1)


def test_the_helpers_format_as_german_letters_do() -> None:
    moment = datetime(2026, 3, 3, 7, 15, tzinfo=UTC)
    assert german_date(date(2026, 3, 7)) == "07.03.2026"
    assert german_date(moment) == "03.03.2026"
    assert german_date(datetime(2026, 3, 28, 23, 30, tzinfo=UTC)) == "29.03.2026"
    assert german_time(moment) == "08:15"
    assert german_weekday_date_time(moment) == "Dienstag, 03.03.2026, 08:15 Uhr"
    assert german_weekday_date_time(datetime(2026, 3, 28, 23, 30)) == (
        "Sonntag, 29.03.2026, 00:30 Uhr"
    )


def test_machine_timestamps_keep_the_city_offset() -> None:
    assert local_iso(datetime(2026, 3, 28, 23, 30, 5, 999)) == "2026-03-29T00:30:05+01:00"
    assert local_iso(datetime(2026, 3, 29, 1, 30, tzinfo=UTC)) == "2026-03-29T03:30:00+02:00"


def test_a_city_day_is_23_24_or_25_hours_of_utc() -> None:
    assert city_day_start(date(2026, 1, 15)) == datetime(2026, 1, 14, 23, 0, tzinfo=UTC)
    assert city_day_start(date(2026, 7, 15)) == datetime(2026, 7, 14, 22, 0, tzinfo=UTC)
    for day, hours in ((date(2026, 3, 29), 23), (date(2026, 6, 1), 24), (date(2026, 10, 25), 25)):
        start, end = city_day_bounds(day)
        assert end - start == timedelta(hours=hours)
        assert start.tzinfo == UTC


def test_outside_an_app_the_zone_is_the_default() -> None:
    assert city_zone() == ZoneInfo(DEFAULT_CITY_TIMEZONE) == ZoneInfo("Europe/Berlin")


def test_the_configured_zone_is_used() -> None:
    stored = datetime(2026, 3, 29, 2, 30, tzinfo=UTC)
    with city("America/New_York").app_context():
        assert city_zone() == ZoneInfo("America/New_York")
        assert german_weekday_date_time(stored) == "Samstag, 28.03.2026, 22:30 Uhr"
        assert local_iso(stored) == "2026-03-28T22:30:00-04:00"
        assert city_day_start(date(2026, 3, 29)) == datetime(2026, 3, 29, 4, 0, tzinfo=UTC)
    with city("Asia/Tokyo").app_context():
        assert german_date_time(stored) == "29.03.2026, 11:30 Uhr"
    with city("UTC").app_context():
        assert german_date_time(stored) == "29.03.2026, 02:30 Uhr"


def test_today_is_the_citys_date() -> None:
    # Fourteen hours ahead of UTC and eleven behind: never the same date.
    with city("Pacific/Kiritimati").app_context():
        ahead = city_today()
    with city("Pacific/Pago_Pago").app_context():
        behind = city_today()
    assert 1 <= (ahead - behind).days <= 2
    berlin = ZoneInfo("Europe/Berlin")
    before = datetime.now(berlin).date()
    today = city_today()  # outside an app: Berlin
    assert today in (before, datetime.now(berlin).date())  # midnight may pass meanwhile


def test_the_setting_is_read_from_the_environment_and_drives_the_pages() -> None:
    assert load_config(environ={})["CITY_TIMEZONE"] == "Europe/Berlin"
    config = load_config(environ={"CITY_TIMEZONE": "Europe/Lisbon"})
    assert config["CITY_TIMEZONE"] == "Europe/Lisbon"
    # Flask-Babel's datetimeformat on the pages uses the same zone as letters and PDFs.
    assert config["BABEL_DEFAULT_TIMEZONE"] == "Europe/Lisbon"
    overridden = load_config({"CITY_TIMEZONE": "Asia/Tokyo"}, environ={})
    assert overridden["BABEL_DEFAULT_TIMEZONE"] == "Asia/Tokyo"


@pytest.mark.parametrize("name", ["Europe/Berlinn", "Mitteleuropa", "../../etc/passwd", "+01:00"])
def test_an_unknown_zone_stops_the_start(name: str) -> None:
    with pytest.raises(ConfigurationError, match="CITY_TIMEZONE"):
        load_config(environ={"CITY_TIMEZONE": name})
    with pytest.raises(ConfigurationError, match="CITY_TIMEZONE"):
        load_config({"CITY_TIMEZONE": name}, environ={})
    with pytest.raises(ValueError, match="time zone"):
        time_zone(name)


def test_an_amount_is_written_in_the_language_asked_for_and_german_without_one() -> None:
    assert euro(123456, "de") == "1.234,56\u00a0€"
    assert euro(-5, "de") == "-0,05\u00a0€"
    assert euro(2500, "en") == "€25.00"
    # Outside a request (a script, a unit test) there is no reader: German.
    assert euro(2500) == "25,00\u00a0€"
