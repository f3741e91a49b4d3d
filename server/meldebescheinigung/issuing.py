"""Issuing and refusing: what the clerk enters from the register, the certificate as a PDF the
citizen downloads once issued, and the refund of a refused application."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from server.auth.citizens import get_citizen
from server.auth.models import Citizen
from server.auth.session import current_citizen
from server.formatting import german_date
from server.forms.engine import DateRule, FieldKind, StatusInput, parse_date
from server.forms.models import FormSubmission
from server.pdf.receipt import ReceiptDocument

StatusCheck = Callable[[FormSubmission, Mapping[str, str], str], None]
ISSUED = "ausgestellt"  # the status whose certificate is a PDF to download
ADDRESS, MOVED_IN = "anschrift", "einzug"

# What the register says, entered by the clerk who looked: the certificate prints it, not what
# the applicant typed.
REGISTER_INPUTS = (
    StatusInput(
        ADDRESS,
        _l("Anschrift laut Melderegister"),
        FieldKind.TEXTAREA,
        max_length=300,
        public=False,
    ),
    StatusInput(
        MOVED_IN,
        _l("Einzugsdatum laut Melderegister"),
        FieldKind.DATE,
        date_rule=DateRule.PAST,
        public=False,
        after_receipt=False,
    ),
)


def _issue_details(submission: FormSubmission) -> Mapping[str, str] | None:
    for event in reversed(submission.events):
        if event.status == ISSUED:
            return event.details or {}
    return None


def may_download(submission: FormSubmission) -> bool:
    """Only the citizen who applied, logged in: the certificate says who lives where, so an
    Abrufcode (or a forwarded mail's link), which opens the status page, is not enough."""
    citizen = current_citizen()
    return citizen is not None and citizen.id == submission.citizen_id


def documents(submission: FormSubmission) -> Sequence[tuple[str, str]]:
    """The certificate, once issued as a PDF, for the citizen who applied."""
    if submission.status != ISSUED or not may_download(submission):
        return ()
    return (
        (
            _("Meldebescheinigung herunterladen (PDF)"),
            url_for("meldebescheinigung.certificate", reference=submission.reference),
        ),
    )


def render(submission: FormSubmission) -> bytes:
    """The certificate, in German (an official paper), from the register's data the clerk
    entered on issuing and the name and date of birth the eID vouched for (the account's, not
    the answers, which the applicant could change)."""
    details = _issue_details(submission)
    person = get_citizen(submission.citizen_id) if submission.citizen_id else None
    if details is None or person is None:
        raise LookupError(f"{submission.reference}: not issued, or its applicant is gone")
    with force_locale("de"):
        return _render(submission, details, person)


def _render(submission: FormSubmission, details: Mapping[str, str], person: Citizen) -> bytes:
    answers = submission.answers
    issued = next(e.at for e in reversed(submission.events) if e.status == ISSUED)
    extended = answers.get("art") == "erweitert"
    city = f"Stadt {current_app.config['PORTAL_CITY_NAME']}"
    title = "Erweiterte Meldebescheinigung" if extended else "Meldebescheinigung"
    reference = submission.reference or ""
    pdf = ReceiptDocument(footer=f"{title} · {city}", reference=reference)
    pdf.describe(created=issued, title=f"{title} – {reference}", subject=title, author=city)
    pdf.add_page()
    pdf.letterhead(city, ("Bürgerbüro – Meldebehörde",))
    pdf.paragraph(title, size=17, style="B", gap=1)
    law = "§ 18 Abs. 2 Bundesmeldegesetz" if extended else "§ 18 Abs. 1 Bundesmeldegesetz"
    pdf.paragraph(f"nach {law}", size=9, gap=4)
    pdf.paragraph(
        "Im Melderegister ist folgende Person mit alleiniger Wohnung oder Hauptwohnung "
        "eingetragen:",
        size=10.5,
    )
    rows = [("Familienname", person.family_name), ("Vornamen", person.given_name)]
    if extended:
        rows.append(("Geburtsdatum", german_date(person.birthdate) if person.birthdate else ""))
    rows.append(("Anschrift", details.get(ADDRESS, "")))
    if extended:
        moved = parse_date(details.get(MOVED_IN, ""))
        rows.append(("Eingezogen am", german_date(moved) if moved else ""))
    pdf.facts(tuple(rows))
    pdf.facts((("Ausgestellt am", german_date(issued)), ("Antragsnummer", reference)))
    pdf.paragraph(
        "Diese Bescheinigung wurde nach Prüfung des Melderegisters elektronisch erstellt und ist "
        "ohne Unterschrift gültig.",
        size=9,
    )
    return bytes(pdf.output())
