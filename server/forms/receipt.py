"""Answers as people read them (check-your-answers page, back office) and the PDF receipt
(*Eingangsbestätigung*) of a submission, both from the definition.

The receipt confirms what arrived and when, with every answer as the definition labels it and
the files by name and size; it is dated by the submission, so the same submission always gives
the same document. Fonts and margins come from the letters of the fines area; dates and times are
the city's (``server.formatting``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from babel.dates import format_date
from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from server.db import as_utc
from server.formatting import german_date, german_time
from server.forms.engine import (
    CHOICE_KINDS,
    Assessment,
    CleanAnswers,
    Field,
    FieldKind,
    FormDefinition,
    RawAnswers,
    Step,
    parse_date,
)
from server.forms.models import FormStatusEvent, FormSubmission, FormUpload
from server.pdf.receipt import ReceiptDocument
from server.pdf.text import amount
from server.urls import public_url


def file_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")
    return f"{max(1, round(size / 1024))} KB"


def display(spec: Field, value: str | list[str] | None, files: Sequence[FormUpload] = ()) -> str:
    """One answer in words: choice labels, German dates, file names with sizes."""
    if spec.kind == FieldKind.FILES:
        named = [f"{u.original_name} ({file_size(u.size)})" for u in files if u.field == spec.name]
        return ", ".join(named) if named else _("Keine Dateien")
    if value is None or value == "" or value == []:
        return _("Keine Angabe")
    values = value if isinstance(value, list) else [value]
    if spec.kind in CHOICE_KINDS:
        return ", ".join(_choice_in_words(spec, v) for v in values)
    if spec.kind == FieldKind.CONSENT:
        return _("Ja, einverstanden")
    if spec.kind == FieldKind.DATE:
        day = parse_date(values[0])
        return german_date(day) if day else values[0]
    return "\n".join(values)


def _choice_in_words(spec: Field, value: str) -> str:
    """A choice's label; a day offered from the answers (a pickup day) is not named by the
    definition: a date in words ("Dienstag, 8. Dezember 2026")."""
    label = spec.choice_label(value)
    day = parse_date(value) if label == value and spec.day_choices else None
    return format_date(day, format="full", locale=get_locale() or "de") if day else label


@dataclass(frozen=True)
class Row:
    name: str
    label: str
    value: str


@dataclass(frozen=True)
class Section:
    step: Step
    rows: tuple[Row, ...]


def sections(
    definition: FormDefinition,
    answers: CleanAnswers,
    files: Sequence[FormUpload] = (),
    raw: RawAnswers | None = None,
    assessment: Assessment | None = None,
) -> list[Section]:
    """The answers step by step; only steps and fields that apply. ``raw`` (a draft's answers)
    decides what applies and fills in answers that are not valid yet. Without ``assessment``
    (a stored submission) an assessed question shows only if it was answered."""
    basis: RawAnswers = (
        raw
        if raw is not None
        else {k: (v if isinstance(v, list) else [v]) for k, v in answers.items()}
    )
    result = []
    for step in definition.steps_shown(basis, assessment):
        rows = []
        for spec in step.fields_shown(basis, assessment):
            if not spec.receipt:
                continue
            value: str | list[str] | None = answers.get(spec.name)
            if value is None and raw is not None and spec.name in raw:
                value = [v for v in raw[spec.name] if v]
            if (
                spec.assessed
                and assessment is None
                and not value
                and not any(u.field == spec.name for u in files)
            ):
                continue
            rows.append(Row(spec.name, str(spec.label), display(spec, value, files)))
        if rows or not any(spec.assessed for spec in step.fields):
            result.append(Section(step, tuple(rows)))
    return result


def fee_rows(definition: FormDefinition, submission: FormSubmission) -> list[tuple[str, int]]:
    """The fee's lines as charged, labelled in the language of the moment: the labels stored
    with the submission are in the language it was sent in, so they are worked out again from
    its answers and used where the amounts still agree line by line (a price changed since
    keeps the stored words with the amounts charged)."""
    stored = submission.fee_lines or []
    if not stored:
        return []
    fresh = definition.payment.fee(submission.answers) if definition.payment else None
    items = fresh.items if fresh is not None else ()
    if [item.cents for item in items] != [int(line["cents"]) for line in stored]:
        return [(str(line["label"]), int(line["cents"])) for line in stored]
    return [(str(item.label), item.cents) for item in items]


def public_details(definition: FormDefinition, event: FormStatusEvent) -> list[tuple[str, str]]:
    """What the clerk entered with a status that the citizen may read (label, value)."""
    status = definition.status(event.status)
    details = event.details or {}
    shown = []
    for spec in status.inputs:
        if spec.public and spec.name in details:
            value = details[spec.name]
            if spec.kind == FieldKind.DATE:
                day = parse_date(value)
                value = german_date(day) if day else value
            shown.append((str(spec.label), value))
    return shown


def render(definition: FormDefinition, submission: FormSubmission) -> bytes:
    """The receipt, in German whatever language the page was in: it is an official paper."""
    with force_locale("de"):
        return _render(definition, submission)


def _render(definition: FormDefinition, submission: FormSubmission) -> bytes:
    received = as_utc(submission.received_at)
    reference = submission.reference or ""
    pdf = ReceiptDocument(
        footer=f"Eingangsbestätigung · {definition.title} · Eingangsnummer {reference}"
    )
    city = f"Stadt {current_app.config['PORTAL_CITY_NAME']}"
    pdf.describe(
        created=received,
        title=f"Eingangsbestätigung – {reference}",
        subject=str(definition.title),
        author=city,
    )
    pdf.add_page()
    pdf.letterhead(city, (str(definition.title),))
    pdf.paragraph("Eingangsbestätigung", size=17, style="B", gap=3)
    day, clock = german_date(received), german_time(received)
    pdf.facts(
        (
            ("Dienst", str(definition.title)),
            ("Eingangsnummer", reference),
            ("Abrufcode", submission.status_code or ""),
            ("Eingegangen", f"{day}, {clock} Uhr"),
        )
    )
    pdf.paragraph(
        f"Ihre Angaben sind am {day} um {clock} Uhr eingegangen. Bitte geben Sie bei Fragen "
        f"die Eingangsnummer {reference} an. Den Stand sehen Sie jederzeit unter "
        f"{public_url('forms_status.lookup')} mit der Eingangsnummer und dem Abrufcode.",
        size=10.5,
    )
    for section in sections(definition, submission.answers, submission.uploads):
        pdf.heading(str(section.step.title))
        pdf.facts(tuple((row.label, row.value) for row in section.rows))
    if submission.fee_lines is not None:
        pdf.heading("Gebühr")
        lines = [(label, amount(cents)) for label, cents in fee_rows(definition, submission)]
        lines.append(("Gesamt", amount(submission.fee_cents or 0)))
        pdf.facts(tuple(lines))
    if definition.next_steps:
        pdf.heading("Wie geht es weiter?")
        for step in definition.next_steps:
            pdf.paragraph(str(step), gap=1)
    pdf.heading("Datenschutz")
    pdf.facts(
        definition.privacy.receipt_facts(public_url("forms.privacy", service=definition.slug))
    )
    return bytes(pdf.output())
