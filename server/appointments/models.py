"""Tables of the appointments area (Terminportal).

- A **location** (Standort) is an office with an address, e.g. the Bürgerbüro Mitte; it has
  **counters** (Schalter), each of which serves one person at a time, **opening hours** per
  weekday and **closures** (holidays, a day the office is shut).
- A **service** (Dienstleistung, e.g. "Personalausweis beantragen") takes a number of minutes
  per person and says what to bring; a location offers some services.
- A **booking** (Buchung) is one appointment: one or more services for a number of persons at
  one counter, from ``starts_at`` to ``ends_at`` (UTC). An anonymous booking is *held* until the
  link in the confirmation mail is used; a logged-in citizen's is *confirmed* at once.
- An **appointment slot** row is one cell of the time grid at one counter taken by a booking:
  ``(counter_id, starts_at)`` is unique, so the database itself refuses a double booking however
  many requests race for the last free time, on SQLite and PostgreSQL alike.
- A **bookable day** is a day that takes a number of bookings, not times (a pickup day of a
  district); its places are counted under a conditional update (``day_slots``).
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, utcnow


class AppointmentStatus(StrEnum):
    HELD = "held"  # waiting for the link in the confirmation mail
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"  # by the citizen (its slots are free again)
    EXPIRED = "expired"  # held, and not confirmed in time (its slots are free again)

    @property
    def open(self) -> bool:
        return self in (AppointmentStatus.HELD, AppointmentStatus.CONFIRMED)


DEFAULT_GROUP = "allgemein"


def _values(enum: type[StrEnum]) -> str:
    return ", ".join(f"'{member.value}'" for member in enum)


location_services = Table(
    "appointment_location_services",
    Base.metadata,
    Column(
        "location_id",
        ForeignKey("appointment_locations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "service_id",
        ForeignKey("appointment_services.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)

booking_services = Table(
    "appointment_booking_services",
    Base.metadata,
    Column(
        "booking_id",
        ForeignKey("appointment_bookings.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("service_id", ForeignKey("appointment_services.id"), primary_key=True),
)


class Service(Base):
    __tablename__ = "appointment_services"
    __table_args__ = (CheckConstraint("duration_minutes > 0", name="positive_duration"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(140))
    name_en: Mapped[str] = mapped_column(String(140), default="")
    # Minutes for one person; an appointment for several persons takes it once per person.
    duration_minutes: Mapped[int] = mapped_column(Integer)
    bring: Mapped[str] = mapped_column(Text, default="")  # what to bring, one item per line
    bring_en: Mapped[str] = mapped_column(Text, default="")
    # Open appointments are limited per address and account within a group (e.g. identity
    # documents, registration), so one need does not use up the limit of another.
    service_group: Mapped[str] = mapped_column(
        String(40), default=DEFAULT_GROUP, server_default=DEFAULT_GROUP
    )
    # A service is never deleted (bookings and statistics name it): deactivated, it is no
    # longer offered; its appointments stand.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())


class Location(Base):
    __tablename__ = "appointment_locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(140), unique=True)
    address: Mapped[str] = mapped_column(String(200))

    counters: Mapped[list[Counter]] = relationship(
        back_populates="location", order_by="Counter.id", cascade="all, delete-orphan"
    )
    services: Mapped[list[Service]] = relationship(
        secondary=location_services, order_by="Service.id"
    )
    hours: Mapped[list[OpeningHours]] = relationship(
        order_by="(OpeningHours.weekday, OpeningHours.opens)", cascade="all, delete-orphan"
    )


class Counter(Base):
    __tablename__ = "appointment_counters"
    __table_args__ = (UniqueConstraint("location_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(
        ForeignKey("appointment_locations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(40))  # "Schalter 1", shown on the call display
    # Never deleted (bookings and visits name it): deactivated, it takes no more appointments.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())

    location: Mapped[Location] = relationship(back_populates="counters")


class OpeningHours(Base):
    """One span of a weekday (0 is Monday) in the city's local time; a day may have several
    (8 to 12 and 14 to 18)."""

    __tablename__ = "appointment_opening_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="known_weekday"),
        CheckConstraint("opens < closes", name="opens_before_closing"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(
        ForeignKey("appointment_locations.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column(Integer)
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)


class Closure(Base):
    """A day a location takes no appointments (a holiday, a closure)."""

    __tablename__ = "appointment_closures"
    __table_args__ = (UniqueConstraint("location_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(
        ForeignKey("appointment_locations.id", ondelete="CASCADE")
    )
    day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(140), default="")


class Appointment(Base):
    __tablename__ = "appointment_bookings"
    __table_args__ = (
        CheckConstraint(f"status IN ({_values(AppointmentStatus)})", name="known_status"),
        CheckConstraint("persons > 0", name="positive_persons"),
        CheckConstraint("starts_at < ends_at", name="starts_before_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)  # Buchungsnummer T-XXXX-XXXX
    location_id: Mapped[int] = mapped_column(ForeignKey("appointment_locations.id"))
    counter_id: Mapped[int] = mapped_column(ForeignKey("appointment_counters.id"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    persons: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(String(140))
    email: Mapped[str] = mapped_column(String(254), index=True)
    citizen_id: Mapped[int | None] = mapped_column(
        ForeignKey("citizens.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), index=True)
    # The mail's links, stored only as SHA-256 of their 192 random bits.
    confirm_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    manage_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    hold_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The language of the booking's pages: its mails speak it.
    language: Mapped[str] = mapped_column(String(8), default="de")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    location: Mapped[Location] = relationship(lazy="joined")
    counter: Mapped[Counter] = relationship(lazy="joined")
    services: Mapped[list[Service]] = relationship(
        secondary=booking_services, order_by="Service.id", lazy="selectin"
    )


class Slot(Base):
    """One cell of the time grid at one counter, taken by a booking. Deleted with the booking's
    cancellation or expiry, so the cell is free again at once."""

    __tablename__ = "appointment_slots"
    __table_args__ = (UniqueConstraint("counter_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    counter_id: Mapped[int] = mapped_column(
        ForeignKey("appointment_counters.id", ondelete="CASCADE")
    )
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    booking_id: Mapped[int] = mapped_column(
        ForeignKey("appointment_bookings.id", ondelete="CASCADE"), index=True
    )


class BookableDay(Base):
    """A day on a calendar that takes a number of bookings rather than times (a district's
    bulky-waste pickup day: as many pickups as the tour takes). ``taken`` counts its bookings;
    it rises only by a conditional update below the day's capacity, so parallel requests for
    the last place get one between them."""

    __tablename__ = "appointment_days"
    __table_args__ = (
        UniqueConstraint("calendar", "day"),
        CheckConstraint("taken >= 0", name="taken_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar: Mapped[str] = mapped_column(String(60))  # e.g. "sperrmuell:nord"
    day: Mapped[date] = mapped_column(Date)
    taken: Mapped[int] = mapped_column(Integer, default=0)


class DayBooking(Base):
    """One place on a bookable day, held by ``holder`` (e.g. a submission): one per holder."""

    __tablename__ = "appointment_day_bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    day_id: Mapped[int] = mapped_column(
        ForeignKey("appointment_days.id", ondelete="CASCADE"), index=True
    )
    holder: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Holder(Base):
    """Whoever books: ``email:<address>`` or ``citizen:<id>``. The row is locked while a booking
    counts that holder's open appointments, so that parallel bookings cannot all slip under the
    limit of open appointments per address and per account."""

    __tablename__ = "appointment_holders"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)


# --- the office's side: arrivals, waiting numbers, the call display --------------------------


class VisitStatus(StrEnum):
    WAITING = "waiting"  # checked in, with a waiting number
    CALLED = "called"  # called to a counter (shown on the call display)
    DONE = "done"
    NO_SHOW = "no_show"  # did not come (or not when called)

    @property
    def final(self) -> bool:
        return self in (VisitStatus.DONE, VisitStatus.NO_SHOW)


class Visit(Base):
    """What happened at the office to one booking: checked in with a waiting number, called to
    a counter, done, or not there. One row per booking (``booking_id`` is unique), so a check-in
    clicked twice is one arrival; ``(location_id, day, waiting_number)`` is unique, so a number
    is never given twice on a day."""

    __tablename__ = "appointment_visits"
    __table_args__ = (
        CheckConstraint(f"status IN ({_values(VisitStatus)})", name="known_status"),
        UniqueConstraint("location_id", "day", "waiting_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(
        ForeignKey("appointment_bookings.id", ondelete="CASCADE"), unique=True
    )
    location_id: Mapped[int] = mapped_column(
        ForeignKey("appointment_locations.id", ondelete="CASCADE")
    )
    day: Mapped[date] = mapped_column(Date, index=True)  # the city's day of the appointment
    waiting_number: Mapped[int | None] = mapped_column(Integer)  # None: never checked in
    status: Mapped[str] = mapped_column(String(16))
    counter_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointment_counters.id", ondelete="SET NULL")
    )
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    called_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    counter: Mapped[Counter | None] = relationship(lazy="joined")


class WaitingNumbers(Base):
    """The last waiting number given at a location on a day; taken by a conditional update
    (``last_number + 1``), which the database runs one at a time per row."""

    __tablename__ = "appointment_waiting_numbers"
    __table_args__ = (UniqueConstraint("location_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(
        ForeignKey("appointment_locations.id", ondelete="CASCADE")
    )
    day: Mapped[date] = mapped_column(Date)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
