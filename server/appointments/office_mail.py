"""The office's mails about an appointment, in the language it was booked in, through the
outbox: the day is closed (the appointment is cancelled), and the reminder the day before."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.appointments import notices
from server.appointments.ics import ics_of
from server.appointments.models import Appointment, AppointmentStatus
from server.db import as_utc, utcnow
from server.extensions import db
from server.formatting import city_day_bounds, city_time
from server.i18n import speaking
from server.logs import get_logger
from server.mail.models import OutboxMail
from server.mail.outbox import queue_mail
from server.mail.postfach import Notice, tell
from server.urls import public_url

log = get_logger("appointments")


def tell_closed(booking: Appointment, reason: str) -> None:
    """The office is closed on the appointment's day: it is cancelled (in the caller's
    transaction, with the cancelled calendar entry)."""
    with speaking(booking.language):
        body = "\n\n".join(
            [
                _("Guten Tag %(name)s,", name=booking.name),
                _(
                    "leider ist %(location)s an diesem Tag geschlossen. Ihr Termin entfällt; "
                    "bitte entschuldigen Sie.",
                    location=booking.location.name,
                ),
                *([_("Grund: %(reason)s", reason=reason)] if reason else []),
                notices._facts(booking),
                _("Einen neuen Termin buchen Sie hier:"),
                public_url("appointments.start"),
            ]
        )
        tell(
            Notice(
                subject=_("Termin %(number)s entfällt", number=booking.number),
                body=body + "\n",
                attachment_name=f"termin-{booking.number}.ics",
                attachment=ics_of(booking),
            ),
            recipient=booking.email,
            citizen_id=booking.citizen_id,
        )


# --- the reminder the day before ---------------------------------------------------------------


def reminder_key(booking: Appointment) -> str:
    """One reminder per appointment and time: a moved appointment is reminded of anew."""
    start = as_utc(booking.starts_at).strftime("%Y%m%dT%H%MZ")
    return f"appointment-reminder:{booking.id}:{start}"


def _remind(booking: Appointment) -> None:
    with speaking(booking.language):
        body = "\n\n".join(
            [
                _("Guten Tag %(name)s,", name=booking.name),
                _("wir erinnern Sie an Ihren Termin morgen."),
                notices._facts(booking),
                _(
                    "Können Sie nicht kommen? Dann sagen Sie bitte über den Link in Ihrer "
                    "Terminbestätigung ab, damit jemand anderes die Zeit bekommt."
                ),
                public_url("appointments.booking", number=booking.number),
            ]
        )
        queue_mail(
            recipient=booking.email,
            subject=_("Erinnerung: Ihr Termin %(number)s morgen", number=booking.number),
            body=body + "\n",
            dedupe_key=reminder_key(booking),
        )


def due_reminders(day: date) -> list[int]:
    """The confirmed appointments on ``day`` (city time)."""
    start, end = city_day_bounds(day)
    return list(
        db.session.scalars(
            select(Appointment.id)
            .where(
                Appointment.status == AppointmentStatus.CONFIRMED.value,
                Appointment.starts_at >= start,
                Appointment.starts_at < end,
            )
            .order_by(Appointment.starts_at, Appointment.id)
        )
    )


def send_reminders(now: datetime | None = None) -> int:
    """Queue the reminder for every confirmed appointment of the next day that has none yet;
    returns how many were queued now. Each in its own transaction, and the outbox's unique
    ``dedupe_key`` keeps one reminder per appointment however often and however many
    instances run this at once (the slower one's insert fails and is skipped)."""
    tomorrow = city_time(now or utcnow()).date() + timedelta(days=1)
    queued = 0
    for booking_id in due_reminders(tomorrow):
        try:
            with db.transaction() as session:
                booking = session.get(Appointment, booking_id, populate_existing=True)
                if booking is None or booking.status != AppointmentStatus.CONFIRMED.value:
                    continue
                key = reminder_key(booking)
                if session.scalar(select(OutboxMail.id).where(OutboxMail.dedupe_key == key)):
                    continue
                _remind(booking)
                session.flush()
        except IntegrityError:  # another run queued it meanwhile
            continue
        queued += 1
    log.info("appointment reminders queued", extra={"count": queued})
    return queued
