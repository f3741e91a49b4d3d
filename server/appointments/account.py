"""The citizen's appointments on the account page (``/konto``)."""

from __future__ import annotations

from collections.abc import Sequence

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from server.appointments.models import Appointment, AppointmentStatus
from server.appointments.texts import service_names, when
from server.auth.records import AccountRecord
from server.extensions import db


def status_text(status: str) -> str:
    return {
        AppointmentStatus.HELD.value: _("noch nicht bestätigt"),
        AppointmentStatus.CONFIRMED.value: _("gebucht"),
        AppointmentStatus.CANCELLED.value: _("abgesagt"),
        AppointmentStatus.EXPIRED.value: _("nicht bestätigt, verfallen"),
    }.get(status, status)


def describe_bookings(booking_ids: Sequence[int]) -> list[AccountRecord]:
    bookings = db.session.scalars(select(Appointment).where(Appointment.id.in_(booking_ids))).all()
    return [
        AccountRecord(
            section=_("Termine"),
            title=_(
                "%(when)s: %(services)s, %(location)s",
                when=when(booking),
                services=service_names(booking),
                location=booking.location.name,
            ),
            status=status_text(booking.status),
            url=url_for("appointments.booking", number=booking.number),
            since=booking.created_at,
        )
        for booking in bookings
    ]
