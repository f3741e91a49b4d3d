"""How an appointment reads, in the reader's language: services, what to bring, the time."""

from __future__ import annotations

from babel.dates import format_date, format_time
from flask_babel import get_locale
from flask_babel import gettext as _

from server.appointments.models import Appointment, Service
from server.db import as_utc
from server.formatting import city_time
from server.i18n import current_language


def service_name(service: Service) -> str:
    return service.name_en if current_language() == "en" and service.name_en else service.name


def service_names(booking: Appointment) -> str:
    return ", ".join(service_name(service) for service in booking.services)


def bring_of(service: Service) -> list[str]:
    text = service.bring_en if current_language() == "en" and service.bring_en else service.bring
    return [line.strip() for line in text.splitlines() if line.strip()]


def bring_lines(booking: Appointment) -> list[str]:
    """What to bring for all the booking's services, each item once."""
    seen: list[str] = []
    for service in booking.services:
        seen += [item for item in bring_of(service) if item not in seen]
    return seen


def when(booking: Appointment) -> str:
    """``Dienstag, 17. März 2026, 08:00 Uhr`` in the city's time."""
    start = city_time(as_utc(booking.starts_at))
    locale = get_locale() or "de"
    return _(
        "%(date)s, %(time)s Uhr",
        date=format_date(start, format="full", locale=locale),
        time=format_time(start, "HH:mm", locale=locale),
    )
