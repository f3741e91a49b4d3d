"""Appointment, confirming, moving and cancelling appointments; the free times offered.

What the database guarantees (``models``): a booking takes one ``appointment_slots`` row per grid
cell at its counter, and ``(counter_id, starts_at)`` is unique, so of any number of requests
racing for the last free time exactly one gets it; the others get ``SlotTaken`` and the next free
times. Rows are inserted with ``ON CONFLICT DO NOTHING`` (no aborted transaction; PostgreSQL
waits for a parallel insert of the same cell and then skips it), in ascending time and counter
order, so two bookings never wait for each other in a circle.

The limit of open appointments per e-mail address and per account is counted while the holder's
row (``Holder``) is locked, so parallel bookings of one address are counted one after the other.

Every state change is a conditional update on the status it starts from: a link clicked twice,
two tabs or a mail scanner confirm or cancel once.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.orm import Session

from server.appointments.models import (
    Appointment,
    AppointmentStatus,
    Closure,
    Holder,
    Location,
    Service,
    Slot,
    booking_services,
)
from server.appointments.slots import (
    Span,
    cells_from,
    cells_needed,
    day_runs,
    free_starts,
    is_start_in,
)
from server.db import as_utc, dialect_insert, insert_once, lock_row, utcnow
from server.extensions import db
from server.formatting import city_time, city_today, city_zone
from server.readable_codes import new_readable_code

OPEN = (AppointmentStatus.HELD.value, AppointmentStatus.CONFIRMED.value)
DAYS_OFFERED = 5  # the earliest days with a free time, on one page


class SlotTaken(Exception):
    """The chosen time is no longer free (or never was)."""


class ShortNotice(SlotTaken):
    """The chosen time is an emergency slot now, and not this visitor's to book
    (``server.appointments.emergency``)."""


class OverLimit(Exception):
    """The address or account already has the most open appointments allowed."""

    def __init__(self, bookings: list[Appointment]) -> None:
        super().__init__("too many open appointments")
        self.bookings = bookings


@dataclass(frozen=True)
class Offer:
    """A free start at a location."""

    starts_at: datetime  # UTC
    location: Location


@dataclass(frozen=True)
class DayOffer:
    day: date
    offers: list[Offer]


@dataclass(frozen=True)
class Booked:
    booking: Appointment
    confirm_token: str | None  # to mail: anonymous bookings wait for it
    manage_token: str | None  # to mail: confirmed bookings are managed with it


def _setting(name: str) -> int:
    return int(current_app.config[name])


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(24)  # 192 bits


# --- what is offered -------------------------------------------------------------------------


def all_services() -> list[Service]:
    """The services offered (a deactivated one is not)."""
    return list(
        db.session.scalars(select(Service).where(Service.active.is_(True)).order_by(Service.id))
    )


def services_by_ids(ids: Sequence[int]) -> list[Service]:
    if not ids:
        return []
    return list(db.session.scalars(select(Service).where(Service.id.in_(ids)).order_by(Service.id)))


def locations_for(services: Sequence[Service]) -> list[Location]:
    """The locations offering every one of ``services``."""
    wanted = {service.id for service in services}
    locations = db.session.scalars(select(Location).order_by(Location.id)).unique()
    return [loc for loc in locations if wanted <= {s.id for s in loc.services}]


def get_location(location_id: int) -> Location | None:
    return db.session.get(Location, location_id)


def length_cells(services: Sequence[Service], persons: int) -> int:
    return cells_needed(
        [s.duration_minutes for s in services], persons, _setting("APPOINTMENT_SLOT_MINUTES")
    )


def _spans(location: Location) -> list[Span]:
    return [Span(h.weekday, h.opens, h.closes) for h in location.hours]


def _closed_days(location: Location, first: date, last: date) -> set[date]:
    return set(
        db.session.scalars(
            select(Closure.day).where(
                Closure.location_id == location.id, Closure.day >= first, Closure.day <= last
            )
        )
    )


def _taken(counter_ids: Sequence[int], start: datetime, end: datetime) -> set[tuple[int, datetime]]:
    rows = db.session.execute(
        select(Slot.counter_id, Slot.starts_at).where(
            Slot.counter_id.in_(counter_ids), Slot.starts_at >= start, Slot.starts_at < end
        )
    ).all()
    return {(counter_id, as_utc(moment)) for counter_id, moment in rows}


def last_day() -> date:
    return city_today() + timedelta(days=_setting("APPOINTMENT_BOOKING_DAYS"))


def _starts_of_day(
    location: Location, day: date, cells: int, now: datetime
) -> list[tuple[datetime, list[int]]]:
    grid = _setting("APPOINTMENT_SLOT_MINUTES")
    runs = day_runs(day, _spans(location), city_zone(), grid)
    if not runs:
        return []
    counters = [counter.id for counter in location.counters if counter.active]
    first = min(run[0] for run in runs)
    last = max(run[-1] for run in runs) + timedelta(minutes=grid)
    taken = _taken(counters, first, last)
    return free_starts({counter: runs for counter in counters}, taken, cells, now)


def offers(
    locations: Sequence[Location],
    services: Sequence[Service],
    persons: int,
    *,
    days: int = DAYS_OFFERED,
    not_before: datetime | None = None,
) -> list[DayOffer]:
    """The earliest ``days`` days with a free time at any of ``locations``, each with its free
    starts (at the location listed first where several have the same time)."""
    expire_holds()
    cells = length_cells(services, persons)
    now = max(utcnow(), not_before or utcnow())
    first_day, final_day = city_time(now).date(), last_day()
    closed = {loc.id: _closed_days(loc, first_day, final_day) for loc in locations}
    found: list[DayOffer] = []
    day = first_day
    while day <= final_day and len(found) < days:
        by_start: dict[datetime, Location] = {}
        for location in locations:
            if day in closed[location.id]:
                continue
            for start, _counters in _starts_of_day(location, day, cells, now):
                by_start.setdefault(start, location)
        if by_start:
            found.append(
                DayOffer(day, [Offer(start, by_start[start]) for start in sorted(by_start)])
            )
        day += timedelta(days=1)
    return found


def is_offered(
    location: Location, services: Sequence[Service], persons: int, start: datetime
) -> bool:
    """Whether ``start`` is a start the location's hours allow for this length (taken or not)."""
    if not set(s.id for s in services) <= {s.id for s in location.services}:
        return False
    if not all(s.active for s in services) or not any(c.active for c in location.counters):
        return False
    day = city_time(start).date()
    if start <= utcnow() or day > last_day() or day in _closed_days(location, day, day):
        return False
    runs = day_runs(day, _spans(location), city_zone(), _setting("APPOINTMENT_SLOT_MINUTES"))
    return is_start_in(runs, start, length_cells(services, persons))


# --- holds that were never confirmed ---------------------------------------------------------


def expire_holds() -> int:
    """Held bookings past their time: expired, and their cells free. Its own transaction, so
    that it never holds up a booking; run before times are offered or booked."""
    now = utcnow()
    with db.transaction() as session:
        expired = list(
            session.scalars(
                select(Appointment.id).where(
                    Appointment.status == AppointmentStatus.HELD.value,
                    Appointment.hold_expires_at < now,
                )
            )
        )
        if not expired:
            return 0
        result = session.execute(
            update(Appointment)
            .execution_options(synchronize_session=False)
            .where(
                Appointment.id.in_(expired),
                Appointment.status == AppointmentStatus.HELD.value,
                Appointment.hold_expires_at < now,
            )
            .values(status=AppointmentStatus.EXPIRED.value)
        )
        session.execute(delete(Slot).where(Slot.booking_id.in_(expired)))
        return int(getattr(result, "rowcount", 0) or 0)


# --- booking ---------------------------------------------------------------------------------


def _insert_cells(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the cells that are free; returns the ids of those inserted."""
    table: Table = Slot.__table__  # type: ignore[assignment]
    statement = (
        dialect_insert(table, session)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["counter_id", "starts_at"])
        .returning(table.c.id)
    )
    return [int(row_id) for row_id in session.execute(statement).scalars()]


def _take_cells(session: Session, booking: Appointment, location: Location, cells: int) -> bool:
    """Take ``cells`` cells from the booking's start at the first counter where all are free;
    sets the booking's counter. False when no counter has them all."""
    grid = _setting("APPOINTMENT_SLOT_MINUTES")
    moments = cells_from(as_utc(booking.starts_at), cells, grid)
    for counter in [counter for counter in location.counters if counter.active]:
        rows = [
            {"counter_id": counter.id, "starts_at": m, "booking_id": booking.id} for m in moments
        ]
        inserted = _insert_cells(session, rows)
        if len(inserted) == len(rows):
            booking.counter_id = counter.id
            return True
        if inserted:  # a part was free: give it back before the next counter
            session.execute(delete(Slot).where(Slot.id.in_(inserted)))
    return False


def _lock_holders(session: Session, keys: Sequence[str]) -> None:
    for key in sorted(keys):
        holder_id = insert_once(session, Holder, {"key": key}, ["key"])
        if holder_id is None:
            holder_id = session.scalar(select(Holder.id).where(Holder.key == key))
        assert holder_id is not None
        lock_row(session, Holder, holder_id)


def open_bookings(*, email: str | None = None, citizen_id: int | None = None) -> list[Appointment]:
    """Held or confirmed appointments not yet over, of an address or an account."""
    query = select(Appointment).where(Appointment.status.in_(OPEN), Appointment.ends_at > utcnow())
    if email is not None:
        query = query.where(func.lower(Appointment.email) == email.lower())
    if citizen_id is not None:
        query = query.where(Appointment.citizen_id == citizen_id)
    return list(db.session.scalars(query.order_by(Appointment.starts_at)))


def _over_limit(
    email: str, citizen_id: int | None, services: Sequence[Service]
) -> list[Appointment] | None:
    """The open appointments of the address or account in a group of ``services`` (the
    service group, ``Service.service_group``) that already has the most allowed; else None."""
    limit = _setting("APPOINTMENT_MAX_OPEN")
    groups = sorted({service.service_group for service in services})
    holders = [open_bookings(email=email)]
    if citizen_id is not None:
        holders.append(open_bookings(citizen_id=citizen_id))
    for bookings in holders:
        for group in groups:
            same = [b for b in bookings if group in {s.service_group for s in b.services}]
            if len(same) >= limit:
                return same
    return None


def _closed_meanwhile(session: Session, location_id: int, starts_at: datetime) -> bool:
    """Whether the start's day is closed, read under the location's row taken shared: closing a
    day takes it exclusively (``office.close_day``), so a booking and the closure of its day
    never both succeed. SQLite has no shared row locks: there the database's write lock
    serialises both (``lock_row``). The clerks' changes to a location's services, hours and
    counters take the row exclusively too (``server.appointments.admin``): ``still_offered``
    reads them under it."""
    if session.get_bind().dialect.name == "sqlite":
        lock_row(session, Location, location_id)
    else:
        session.execute(
            select(Location.id).where(Location.id == location_id).with_for_update(read=True)
        )
    day = city_time(starts_at).date()
    closed = select(Closure.id).where(Closure.location_id == location_id, Closure.day == day)
    return session.scalar(closed) is not None


def _still_offered(
    session: Session,
    location: Location,
    services: Sequence[Service],
    persons: int,
    starts_at: datetime,
) -> bool:
    """``is_offered`` once more, read afresh under the location's row (``_closed_meanwhile``):
    a clerk may have changed the location's services, hours or counters, or deactivated a
    service, since the page was shown."""
    session.expire_all()  # nothing is pending yet: every row is read again as it is now
    return is_offered(location, services, persons, starts_at)


def book(
    *,
    location: Location,
    services: Sequence[Service],
    persons: int,
    starts_at: datetime,
    name: str,
    email: str,
    citizen_id: int | None,
    language: str,
    not_before: datetime | None = None,
) -> Booked:
    """Book ``starts_at`` at ``location``: held for the mail's link (anonymous) or confirmed at
    once (``citizen_id``). Raises ``SlotTaken`` or ``OverLimit``, or ``ShortNotice`` for a start
    before ``not_before``; then nothing is stored."""
    if not services or not is_offered(location, services, persons, starts_at):
        raise SlotTaken
    if not_before is not None and starts_at < not_before:
        raise ShortNotice
    expire_holds()
    cells = length_cells(services, persons)
    grid = _setting("APPOINTMENT_SLOT_MINUTES")
    confirmed = citizen_id is not None
    confirm_token = None if confirmed else new_token()
    manage_token = new_token() if confirmed else None
    now = utcnow()
    with db.transaction() as session:
        keys = [f"email:{email.lower()}"] + ([f"citizen:{citizen_id}"] if confirmed else [])
        _lock_holders(session, keys)
        if _closed_meanwhile(session, location.id, starts_at):
            raise SlotTaken
        if not _still_offered(session, location, services, persons, starts_at):
            raise SlotTaken
        over = _over_limit(email, citizen_id, services)
        if over is not None:
            raise OverLimit(over)
        booking = Appointment(
            number=f"T-{new_readable_code(8)}",
            location_id=location.id,
            counter_id=location.counters[0].id,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=cells * grid),
            persons=persons,
            name=name,
            email=email,
            citizen_id=citizen_id,
            status=(AppointmentStatus.CONFIRMED if confirmed else AppointmentStatus.HELD).value,
            confirm_token_hash=token_hash(confirm_token) if confirm_token else None,
            manage_token_hash=token_hash(manage_token) if manage_token else None,
            hold_expires_at=None
            if confirmed
            else now + timedelta(minutes=_setting("APPOINTMENT_HOLD_MINUTES")),
            confirmed_at=now if confirmed else None,
            language=language,
        )
        session.add(booking)
        session.flush()
        if not _take_cells(session, booking, location, cells):
            raise SlotTaken
        session.execute(
            booking_services.insert(),
            [{"booking_id": booking.id, "service_id": s.id} for s in services],
        )
        session.flush()
        session.refresh(booking)
        from server.appointments import notices

        if confirmed:
            notices.tell_confirmed(booking, manage_token or "")
        else:
            notices.ask_to_confirm(booking, confirm_token or "")
    return Booked(booking, confirm_token, manage_token)


# --- finding, confirming, cancelling, moving -------------------------------------------------


def find_by_number(number: str) -> Appointment | None:
    return db.session.scalar(
        select(Appointment).where(Appointment.number == number.strip().upper())
    )


def find_by_confirm_token(token: str) -> Appointment | None:
    return db.session.scalar(
        select(Appointment).where(Appointment.confirm_token_hash == token_hash(token))
    )


def find_by_manage_token(token: str) -> Appointment | None:
    return db.session.scalar(
        select(Appointment).where(Appointment.manage_token_hash == token_hash(token))
    )


def status_of(booking: Appointment) -> AppointmentStatus:
    """The status as it is now: a hold past its time is expired even before the clean-up."""
    status = AppointmentStatus(booking.status)
    held_until = booking.hold_expires_at
    if status is AppointmentStatus.HELD and held_until and as_utc(held_until) < utcnow():
        return AppointmentStatus.EXPIRED
    return status


def confirm(booking: Appointment) -> bool:
    """Confirm a held booking (the POST behind the mail's link); True for the request that did
    it, which also sends the confirmation with the link to manage it."""
    manage_token = new_token()
    with db.transaction() as session:
        result = session.execute(
            update(Appointment)
            .execution_options(synchronize_session=False)
            .where(
                Appointment.id == booking.id,
                Appointment.status == AppointmentStatus.HELD.value,
                Appointment.hold_expires_at >= utcnow(),
            )
            .values(
                status=AppointmentStatus.CONFIRMED.value,
                confirmed_at=utcnow(),
                manage_token_hash=token_hash(manage_token),
            )
        )
        done = bool(getattr(result, "rowcount", 0))
        session.refresh(booking)
        if done:
            from server.appointments import notices

            notices.tell_confirmed(booking, manage_token)
    return done


def cancel(booking: Appointment) -> bool:
    """Cancel an open booking and free its cells at once; True for the request that did it."""
    with db.transaction() as session:
        result = session.execute(
            update(Appointment)
            .execution_options(synchronize_session=False)
            .where(Appointment.id == booking.id, Appointment.status.in_(OPEN))
            .values(status=AppointmentStatus.CANCELLED.value, cancelled_at=utcnow())
        )
        done = bool(getattr(result, "rowcount", 0))
        if done:
            session.execute(delete(Slot).where(Slot.booking_id == booking.id))
        session.refresh(booking)
        if done and booking.confirmed_at is not None:
            from server.appointments import notices

            notices.tell_cancelled(booking)
    return done


def move(booking: Appointment, starts_at: datetime, not_before: datetime | None = None) -> bool:
    """Move a confirmed booking to ``starts_at`` at its location; its old cells are free at
    once. True when moved now, False when it was there already. Raises ``SlotTaken`` (nothing
    changes) when the new time is not free, ``ShortNotice`` when it is before ``not_before``."""
    services = list(booking.services)
    if not is_offered(booking.location, services, booking.persons, starts_at):
        raise SlotTaken
    if not_before is not None and starts_at < not_before:
        raise ShortNotice
    expire_holds()
    cells = length_cells(services, booking.persons)
    grid = _setting("APPOINTMENT_SLOT_MINUTES")
    with db.transaction() as session:
        if _closed_meanwhile(session, booking.location_id, starts_at):
            raise SlotTaken
        if not _still_offered(session, booking.location, services, booking.persons, starts_at):
            raise SlotTaken
        locked = lock_row(session, Appointment, booking.id)
        if locked is None or locked.status != AppointmentStatus.CONFIRMED.value:
            raise SlotTaken
        if as_utc(locked.starts_at) == starts_at:
            return False
        session.execute(delete(Slot).where(Slot.booking_id == locked.id))
        locked.starts_at = starts_at
        locked.ends_at = starts_at + timedelta(minutes=cells * grid)
        session.flush()
        if not _take_cells(session, locked, locked.location, cells):
            raise SlotTaken
        from server.appointments import notices

        notices.tell_moved(locked)
    return True


def moment_of(value: str) -> datetime | None:
    """A start as the pages send it (``2026-03-17T07:00Z``, UTC)."""
    try:
        moment = datetime.strptime(value, "%Y-%m-%dT%H:%MZ")
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC)


def moment_value(moment: datetime) -> str:
    return as_utc(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
