"""Which bookings this browser may see: those it booked or opened with a mail's link, and a
logged-in citizen's own."""

from __future__ import annotations

from server.appointments.models import Appointment
from server.auth.session import current_citizen
from server.grants import SessionGrants

KIND = "appointments"
_grants = SessionGrants(KIND)


def grant(booking: Appointment) -> None:
    _grants.grant(booking.id)


def may_see(booking: Appointment) -> bool:
    citizen = current_citizen()
    if citizen is not None and booking.citizen_id == citizen.id:
        return True
    return _grants.allows(booking.id)
