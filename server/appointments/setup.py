"""Wires the appointments area into the app."""

from __future__ import annotations

from flask import Flask

from server.appointments.access import KIND
from server.appointments.account import describe_bookings
from server.auth.records import register_record_kind
from server.jobs.catalogue import Job, register_job


def remind_job() -> dict[str, int]:
    """The job ``appointments-remind``: tomorrow's confirmed appointments without a reminder."""
    from server.appointments.office_mail import send_reminders

    return {"queued": send_reminders()}


def init_appointments(app: Flask) -> None:
    from server.appointments.views import bp

    register_record_kind(KIND, describe_bookings)
    app.register_blueprint(bp)
    _init_office(app)


def _init_office(app: Flask) -> None:
    """The Bürgerbüro's side: back office, call display, reminders, audit labels."""
    from flask_babel import lazy_gettext as _l

    from server.appointments.admin_views import bp as office_setup
    from server.appointments.admin_views import hours_detail
    from server.appointments.backoffice import bp as office
    from server.appointments.backoffice import closure_detail
    from server.appointments.call_display import bp as call_display
    from server.appointments.cli import appointments_group
    from server.appointments.office import count_to_serve_today
    from server.audit.labels import register_labels
    from server.auth.roles import Role
    from server.backoffice.queues import Queue, register_queue

    app.register_blueprint(office)
    app.register_blueprint(office_setup)
    app.register_blueprint(call_display)
    app.cli.add_command(appointments_group)
    # In the daytime (06-19 UTC: from 7 or 8 o'clock in Germany), so that nobody's reminder for
    # tomorrow arrives in the night; each reminder is queued once however often this runs. The
    # names of past appointments are forgotten by the retention job (``portal appointments
    # purge`` is part of it).
    register_job(
        Job(
            "appointments-remind",
            _l("Erinnerungen an die Termine von morgen"),
            "0 6-19 * * *",
            _l("stündlich tagsüber"),
            remind_job,
            counts=(("queued", _l("verschickt")),),
        )
    )
    register_queue(
        Queue(
            "appointments",
            _l("Termine im Bürgerbüro heute"),
            Role.APPOINTMENTS,
            count_to_serve_today,
            "appointments_office.locations",
        )
    )
    register_labels(
        actions={
            "appointments.day.close": _l("Standort für einen Tag geschlossen"),
            "appointments.service.create": _l("Dienst der Termine angelegt"),
            "appointments.service.change": _l("Dienst der Termine geändert"),
            "appointments.service.activate": _l("Dienst wieder angeboten"),
            "appointments.service.deactivate": _l("Dienst nicht mehr angeboten"),
            "appointments.location.create": _l("Standort angelegt"),
            "appointments.location.change": _l("Standort geändert"),
            "appointments.counter.add": _l("Schalter hinzugefügt"),
            "appointments.counter.rename": _l("Schalter umbenannt"),
            "appointments.counter.activate": _l("Schalter wieder in Betrieb"),
            "appointments.counter.deactivate": _l("Schalter außer Betrieb"),
            "appointments.hours.change": _l("Öffnungszeiten geändert"),
        },
        records={
            "appointment_location": _l("Standort"),
            "appointment_service": _l("Dienst der Termine"),
        },
        details={
            "appointments.day.close": closure_detail,
            "appointments.hours.change": hours_detail,
        },
    )
