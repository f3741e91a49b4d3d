"""The election the service takes applications for, read from the settings at start, and
whether it is open now."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _

from server.db import utcnow
from server.formatting import DEFAULT_CITY_TIMEZONE, german_date, german_date_time, time_zone

CONFIG_KEY = "BRIEFWAHL_ELECTION"  # the parsed election (or None) in app.config
# § 27 Abs. 4 Satz 1 BWO: "bis zum zweiten Tag vor der Wahl, 18 Uhr".
DAYS_BEFORE = 2
CLOSING_TIME = time(18, 0)


@dataclass(frozen=True)
class Election:
    name: str
    day: date
    deadline: datetime  # UTC


def parse(config: Mapping[str, object]) -> Election | None:
    """``ELECTION_NAME``, ``ELECTION_DATE`` and ``ELECTION_DEADLINE`` as one election; none
    without a name. Raises ``ValueError`` for a name without a valid date, or a deadline that is
    no date and time or lies after the election day."""
    name = str(config.get("ELECTION_NAME") or "").strip()
    if not name:
        return None
    raw_day = str(config.get("ELECTION_DATE") or "").strip()
    try:
        day = date.fromisoformat(raw_day)
    except ValueError:
        raise ValueError(f"ELECTION_DATE must be a date (YYYY-MM-DD), not {raw_day!r}") from None
    raw_deadline = str(config.get("ELECTION_DEADLINE") or "").strip()
    if raw_deadline:
        try:
            local = datetime.fromisoformat(raw_deadline)
        except ValueError:
            raise ValueError(
                "ELECTION_DEADLINE must be a date and time (YYYY-MM-DDTHH:MM), "
                f"not {raw_deadline!r}"
            ) from None
        if local.tzinfo is not None:
            raise ValueError("ELECTION_DEADLINE is the city's time: give it without a zone")
    else:
        local = datetime.combine(day - timedelta(days=DAYS_BEFORE), CLOSING_TIME)
    if local.date() > day:
        raise ValueError("ELECTION_DEADLINE lies after the election day")
    zone = time_zone(str(config.get("CITY_TIMEZONE") or DEFAULT_CITY_TIMEZONE))
    deadline = local.replace(tzinfo=zone).astimezone(UTC)
    return Election(name=name, day=day, deadline=deadline)


def current() -> Election | None:
    election = current_app.config.get(CONFIG_KEY)
    return election if isinstance(election, Election) else None


def closed_reason() -> str | None:
    """Why nobody can apply now, in the visitor's language; None while the election is open."""
    election = current()
    if election is None:
        return _("Derzeit steht keine Wahl an, für die Sie Briefwahl beantragen können.")
    if utcnow() >= election.deadline:
        return _(
            "Die Frist für den Antrag auf Briefwahl zur %(name)s ist am %(deadline)s abgelaufen. "
            "Wer plötzlich erkrankt ist, kann den Wahlschein noch bis zum Wahltag, 15 Uhr, im "
            "Wahlamt beantragen.",
            name=election.name,
            deadline=german_date_time(election.deadline),
        )
    return None


def intro() -> str:
    """The first step's introduction: which election, when, and until when to apply."""
    election = current()
    if election is None:
        return ""
    return _(
        "Briefwahl zur %(name)s am %(day)s. Sie können sie online bis %(deadline)s beantragen.",
        name=election.name,
        day=german_date(election.day),
        deadline=german_date_time(election.deadline),
    )
