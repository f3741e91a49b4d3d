"""The appointment's mails, in the language it was booked in, written in the caller's
transaction (through the outbox; a logged-in citizen's also into the Postfach): a mail exists
exactly if what it reports happened."""

from __future__ import annotations

from flask_babel import gettext as _

from server.appointments.ics import ics_of
from server.appointments.models import Appointment
from server.appointments.texts import bring_lines, service_names, when
from server.db import as_utc
from server.formatting import german_time
from server.i18n import speaking
from server.mail.outbox import queue_mail
from server.mail.postfach import Notice, tell
from server.urls import public_url


def _facts(booking: Appointment) -> str:
    lines = [
        _("Buchungsnummer: %(number)s", number=booking.number),
        _("Wann: %(when)s", when=when(booking)),
        _(
            "Wo: %(name)s, %(address)s",
            name=booking.location.name,
            address=booking.location.address,
        ),
        _("Anliegen: %(services)s", services=service_names(booking)),
        _("Personen: %(persons)s", persons=booking.persons),
    ]
    bring = bring_lines(booking)
    if bring:
        lines += ["", _("Bitte bringen Sie mit:"), *(f"- {item}" for item in bring)]
    return "\n".join(lines)


def _ics_name(booking: Appointment) -> str:
    return f"termin-{booking.number}.ics"


def ask_to_confirm(booking: Appointment, confirm_token: str) -> None:
    """Anonymous bookings: the link that confirms (its page has the button that does)."""
    link = public_url("appointments.confirm", token=confirm_token)
    with speaking(booking.language):
        body = "\n\n".join(
            [
                _("Guten Tag %(name)s,", name=booking.name),
                _(
                    "wir haben diesen Termin für Sie vorgemerkt. Er gilt erst, wenn Sie ihn "
                    "bestätigen: Öffnen Sie bis %(until)s Uhr diesen Link und tippen Sie dort auf "
                    "„Termin bestätigen“. Sonst wird die Zeit wieder frei.",
                    until=german_time(as_utc(booking.hold_expires_at or booking.created_at)),
                ),
                link,
                _facts(booking),
                _(
                    "Haben Sie diesen Termin nicht gebucht? Dann brauchen Sie nichts zu tun; "
                    "ohne Bestätigung verfällt er."
                ),
            ]
        )
        queue_mail(
            recipient=booking.email,
            subject=_("Bitte bestätigen Sie Ihren Termin %(number)s", number=booking.number),
            body=body + "\n",
        )


def tell_confirmed(booking: Appointment, manage_token: str) -> None:
    """The confirmation: booking number, what to bring, address, the calendar file and the link
    to move or cancel."""
    link = public_url("appointments.manage_link", token=manage_token)
    with speaking(booking.language):
        body = "\n\n".join(
            [
                _("Guten Tag %(name)s,", name=booking.name),
                _("Ihr Termin ist gebucht."),
                _facts(booking),
                _("Termin verschieben oder absagen:"),
                link,
                _(
                    "Den Termin für Ihren Kalender finden Sie im Anhang. Können Sie nicht kommen, "
                    "sagen Sie bitte ab: So bekommt jemand anderes die Zeit."
                ),
            ]
        )
        tell(
            Notice(
                subject=_("Terminbestätigung %(number)s", number=booking.number),
                body=body + "\n",
                link=public_url("appointments.booking", number=booking.number),
                attachment_name=_ics_name(booking),
                attachment=ics_of(booking),
            ),
            recipient=booking.email,
            citizen_id=booking.citizen_id,
        )


def tell_moved(booking: Appointment) -> None:
    with speaking(booking.language):
        body = "\n\n".join(
            [
                _("Guten Tag %(name)s,", name=booking.name),
                _("Ihr Termin ist verschoben. So gilt er jetzt:"),
                _facts(booking),
                _(
                    "Der Link zum Verschieben oder Absagen aus Ihrer Terminbestätigung gilt "
                    "weiter. Den geänderten Termin für Ihren Kalender finden Sie im Anhang."
                ),
            ]
        )
        tell(
            Notice(
                subject=_("Termin %(number)s verschoben", number=booking.number),
                body=body + "\n",
                link=public_url("appointments.booking", number=booking.number),
                attachment_name=_ics_name(booking),
                attachment=ics_of(booking),
            ),
            recipient=booking.email,
            citizen_id=booking.citizen_id,
        )


def tell_cancelled(booking: Appointment) -> None:
    with speaking(booking.language):
        body = "\n\n".join(
            [
                _("Guten Tag %(name)s,", name=booking.name),
                _("Ihr Termin ist abgesagt. Die Zeit ist wieder frei für andere."),
                _facts(booking),
                _("Einen neuen Termin buchen Sie hier:"),
                public_url("appointments.start"),
            ]
        )
        tell(
            Notice(
                subject=_("Termin %(number)s abgesagt", number=booking.number),
                body=body + "\n",
                attachment_name=_ics_name(booking),
                attachment=ics_of(booking),
            ),
            recipient=booking.email,
            citizen_id=booking.citizen_id,
        )
