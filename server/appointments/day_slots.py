"""Days that take a number of bookings rather than times: a district's bulky-waste pickup day
takes as many pickups as its tour can load. A calendar is a name (``"sperrmuell:nord"``); the
capacity is the caller's (it comes from the city's data and may change); the database decides
who gets the last place.

Booking happens in the caller's transaction, so a place is held exactly as long as what holds
it exists: the submission that asked for it is recorded in the same transaction or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from server.appointments.models import BookableDay, DayBooking
from server.db import insert_once, one_of
from server.extensions import db


def taken_on(calendar: str, days: Sequence[date]) -> dict[date, int]:
    """How many places of each day are taken (days nobody booked yet are missing)."""
    if not days:
        return {}
    rows = db.session.execute(
        select(BookableDay.day, BookableDay.taken).where(
            BookableDay.calendar == calendar, one_of(db.session, BookableDay.day, list(days))
        )
    )
    return {day: taken for day, taken in rows}


def book(session: Session, calendar: str, day: date, capacity: int, holder: str) -> bool:
    """Take a place on ``day`` for ``holder``; False when the day is full. The count rises only
    while it is below ``capacity`` (a conditional update: on PostgreSQL the row lock makes
    parallel bookings wait for each other; SQLite writes one at a time), and a holder holds one
    place at most (unique)."""
    insert_once(
        session, BookableDay, {"calendar": calendar, "day": day, "taken": 0}, ("calendar", "day")
    )
    result = session.execute(
        update(BookableDay)
        .where(
            BookableDay.calendar == calendar,
            BookableDay.day == day,
            BookableDay.taken < capacity,
        )
        .values(taken=BookableDay.taken + 1)
        .returning(BookableDay.id)
    )
    day_id = result.scalar_one_or_none()
    if day_id is None:
        return False
    session.add(DayBooking(day_id=day_id, holder=holder))
    session.flush()
    return True


def release(session: Session, holder: str) -> date | None:
    """Give the holder's place back; the day it was on, or None if it held none (released
    already: a second call changes nothing)."""
    day_id = session.execute(
        delete(DayBooking).where(DayBooking.holder == holder).returning(DayBooking.day_id)
    ).scalar_one_or_none()
    if day_id is None:
        return None
    session.execute(
        update(BookableDay).where(BookableDay.id == day_id).values(taken=BookableDay.taken - 1)
    )
    return session.scalar(select(BookableDay.day).where(BookableDay.id == day_id))


def booked_day(holder: str) -> date | None:
    """The day the holder has a place on."""
    return db.session.scalar(
        select(BookableDay.day)
        .join(DayBooking, DayBooking.day_id == BookableDay.id)
        .where(DayBooking.holder == holder)
    )
