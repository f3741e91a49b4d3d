"""The templates' date filters (``datetimeformat``, ``dateformat``, ``timeformat``): Flask-Babel's,
with what they write kept (issue 17).

Babel writes each date anew: the locale's pattern looked up, the moment turned into the city's
time, the pattern's fields written one by one (17 µs a date with its time, 6 µs a date; a fine's
page shows three, a clerk's list dozens). What it writes depends only on the value, the format,
the locale and the zone, and the same dates come back all the time: a deadline is on every page
of the week, a citizen reloads the page after paying, a clerk's queue shows the same requests
to every clerk. So each filter keeps its last ``DATE_TEXTS_KEPT`` texts (a setting), per app,
keyed by all four and the value's own zone (which ``rebase=False`` writes in). "Now" (no value)
is never kept. Outside a request the filters are Flask-Babel's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any

from flask import Flask, has_request_context
from flask_babel import format_date, format_datetime, format_time, get_timezone

from server.i18n import current_locale_name

DateFilter = Callable[..., str]


def _kept(babel_filter: DateFilter, kept: int) -> DateFilter:
    @lru_cache(maxsize=kept)
    def written(
        value: date | time, format: str | None, rebase: bool, _zone_of_value: Any, _key: Any
    ) -> str:
        # Called in the request whose locale and zone are in ``_key``: Flask-Babel reads them.
        return str(babel_filter(value, format, rebase))

    def date_filter(
        value: date | time | None = None, format: str | None = None, rebase: bool = True
    ) -> str:
        if value is None or not has_request_context():
            return str(babel_filter(value, format, rebase))
        zone_of_value = value.tzinfo if isinstance(value, (datetime, time)) else None
        return written(
            value, format, rebase, zone_of_value, (current_locale_name(), str(get_timezone()))
        )

    return date_filter


def init_date_filters(app: Flask) -> None:
    """After Flask-Babel's ``init_app``, whose filters these take the place of."""
    kept = int(app.config["DATE_TEXTS_KEPT"])
    if kept <= 0:
        return
    app.jinja_env.filters.update(
        datetimeformat=_kept(format_datetime, kept),
        dateformat=_kept(format_date, kept),
        timeformat=_kept(format_time, kept),
    )
