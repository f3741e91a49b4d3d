"""Issuing and refusing: what the clerk enters from the register, the certificate as a PDF the
citizen downloads once issued, and the refund of a refused application."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

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


def documents(submission: FormSubmission) -> Sequence[tuple[str, str]]:
    """The certificate, once issued as a PDF."""
    if submission.status != ISSUED:
        return ()
    return (
        (
            _("Meldebescheinigung herunterladen (PDF)"),
            url_for("meldebescheinigung.certificate", reference=submission.reference),
        ),
    )


def render(submission: FormSubmission) -> bytes:
    """The certificate, in German (an official paper), from the register's data the clerk
    entered on issuing and the applicant's name and date of birth (eID)."""
    details = _issue_details(submission)
    if details is None:
        raise LookupError(f"{submission.reference} is not issued")
    with force_locale("de"):
        return _render(submission, details)


def _render(submission: FormSubmission, details: Mapping[str, str]) -> bytes:
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
    rows = [
        ("Familienname", str(answers.get("nachname", ""))),
        ("Vornamen", str(answers.get("vorname", ""))),
    ]
    if extended:
        born = parse_date(str(answers.get("geburtsdatum", "")))
        rows.append(("Geburtsdatum", german_date(born) if born else ""))
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
