"""Emergency slots: appointments at short notice are kept for citizens whose identity is proven.

Times released at short notice (a cancellation the day before) are what bots snap up and sell.
Appointments starting within ``APPOINTMENT_EMERGENCY_HOURS`` are therefore offered, and booked,
only by citizens logged in with the eID at trust level substantial or high (a password login is
"low", whatever eID the account has linked); everybody else sees the later times and a note why.
``0`` turns the rule off.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, session

from server.auth.session import TRUST_ORDER, current_citizen
from server.db import utcnow

LEVEL = "substantial"


def hours() -> int:
    return max(0, int(current_app.config["APPOINTMENT_EMERGENCY_HOURS"]))


def may_book_short_notice() -> bool:
    """Logged in with the eID at trust level substantial or higher."""
    if current_citizen() is None:
        return False
    level = session.get("trust_level", "low")
    return TRUST_ORDER.get(level if isinstance(level, str) else "low", 0) >= TRUST_ORDER[LEVEL]


# A time offered on the page stays bookable this long: the window moves on while the citizen
# types their name, and a time at its edge must not turn into a refusal the next minute.
BOOKING_GRACE = timedelta(minutes=15)


def earliest(*, booking: bool = False) -> datetime | None:
    """The earliest start this visitor may be offered (UTC), or book (``booking``: what was
    offered a little while ago too); None when any free time is theirs."""
    if hours() == 0 or may_book_short_notice():
        return None
    bound = utcnow() + timedelta(hours=hours())
    return bound - BOOKING_GRACE if booking else bound


def later(first: datetime | None, second: datetime | None) -> datetime | None:
    """The later of two optional bounds."""
    bounds = [bound for bound in (first, second) if bound is not None]
    return max(bounds) if bounds else None
