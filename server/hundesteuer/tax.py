"""The dog tax: rates from the city's table, the year's amount pro rata, the receivable (and its
direct debit) when the tax office approves, and the IBAN check of a mandate."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db import insert_once, lock_row
from server.extensions import db
from server.formatting import city_time, city_today
from server.forms.engine import AssessContext, Assessment, RawAnswers
from server.forms.models import FormStatusEvent, FormSubmission
from server.hundesteuer.models import DogDeregistration, DogTaxYear
from server.payments.direct_debits import Mandate, request_collection
from server.payments.iban import IbanError, debit_iban
from server.payments.models import Receivable
from server.payments.receivables import add_receivable

DEFAULT_FILE = Path(__file__).parent / "data" / "rates.toml"
CONFIG_KEY = "HUNDESTEUER_RATES"
PURPOSE = "dog-tax"
SERVICE = "hundesteuer"
APPROVED = "angemeldet"  # the registration's status once the tax office approved it
FIRST, FURTHER, LISTED = "erster", "weiterer", "gefaehrlich"


@dataclass(frozen=True)
class Rates:
    first_dog_cents: int
    further_dog_cents: int
    listed_dog_cents: int
    due_days: int

    def per_year(self, kind: str) -> int:
        return {
            FIRST: self.first_dog_cents,
            FURTHER: self.further_dog_cents,
            LISTED: self.listed_dog_cents,
        }[kind]


def load(path: str) -> Rates:
    source = Path(path) if path else DEFAULT_FILE
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
        values = [data[key] for key in Rates.__dataclass_fields__]
    except (OSError, tomllib.TOMLDecodeError, KeyError) as error:
        raise ValueError(f"{source}: {error}") from error
    if not all(isinstance(value, int) and value >= 0 for value in values):
        raise ValueError(f"{source}: every rate is a whole number of cents, 0 or more")
    return Rates(*values)


def rates() -> Rates:
    found = current_app.config[CONFIG_KEY]
    assert isinstance(found, Rates)
    return found


def taxed_from(kept_since: date) -> date:
    """The tax runs from the first day of the month after the dog came (a dog that came on the
    first of a month is taxed from that month)."""
    if kept_since.day == 1:
        return kept_since
    return (kept_since.replace(day=28) + timedelta(days=4)).replace(day=1)


def year_amount(per_year_cents: int, start: date, year: int) -> int:
    """The year's tax, one twelfth per month from ``start`` (in ``year``) to December."""
    if start.year > year:
        return 0
    months = 12 if start.year < year else 13 - start.month
    return round(per_year_cents * months / 12)


def taxed_until(left_on: date) -> date:
    """The tax ends with the last day of the month the dog left (the month is taxed in full, as
    a month begun with the dog is not: ``taxed_from``)."""
    return (left_on.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def owed_amount(per_year_cents: int, start: date, until: date, year: int) -> int:
    """The tax of ``year``, one twelfth per month from ``start`` to ``until`` (both in or
    around that year): the year's part of a tax that ended."""
    first = max(start, date(year, 1, 1))
    last = min(until, date(year, 12, 31))
    if last < first:
        return 0
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    return round(per_year_cents * months / 12)


def _answer(answers: Mapping[str, object], name: str) -> str:
    value = answers.get(name, "")
    return value[0] if isinstance(value, list) and value else str(value or "")


def assess(answers: RawAnswers, _context: AssessContext) -> Assessment:
    """A mandate needs an account that can be debited: the IBAN is checked (check digits,
    country format, a known bank for German IBANs)."""
    typed = next(iter(answers.get("iban", ())), "").strip()
    if not typed or next(iter(answers.get("zahlweise", ())), "") != "lastschrift":
        return Assessment()
    try:
        debit_iban(typed)
    except IbanError as error:
        return Assessment(refusals={"iban": str(error)})
    return Assessment()


def assess_year(submission: FormSubmission, details: Mapping[str, str], clerk: str) -> None:
    """Status hook of 'angemeldet': this year's tax as a receivable (pro rata), with the tax tag
    number on the notice, and under a mandate its collection. Once per dog and year, however
    often the approval is sent."""
    today = city_today()
    start = max(taxed_from(_kept_since(submission)), today.replace(day=1))
    _assess(submission, details.get("steuermarke", ""), today.year, start, today)


def assess_new_year(today: date | None = None) -> dict[str, int]:
    """The yearly job: every dog registered (approved) and still taxed gets this year's tax
    from January, with its collection under the mandate, once per dog and year (the unique
    ``dog_tax_years`` row decides; a run again or in parallel assesses nothing twice)."""
    today = today or city_today()
    year = today.year
    assessed_already = select(DogTaxYear.submission_id).where(DogTaxYear.year == year)
    waiting = db.session.scalars(
        select(FormSubmission.id)
        .where(
            FormSubmission.service == SERVICE,
            FormSubmission.status == APPROVED,
            FormSubmission.id.not_in(assessed_already),
        )
        .order_by(FormSubmission.id)
    ).all()
    assessed = 0
    for submission_id in waiting:
        submission = db.session.get(FormSubmission, submission_id)
        if submission is None:
            continue
        start = max(taxed_from(_kept_since(submission)), date(year, 1, 1))
        if _assess(submission, tag_of(db.session, submission), year, start, today):
            assessed += 1
    return {"assessed": assessed, "unchanged": len(waiting) - assessed}


def tag_of(session: Session, submission: FormSubmission) -> str:
    """The tax tag number the tax office entered when it approved the registration."""
    details = session.scalar(
        select(FormStatusEvent.details)
        .where(
            FormStatusEvent.submission_id == submission.id,
            FormStatusEvent.status == APPROVED,
        )
        .order_by(FormStatusEvent.id.desc())
        .limit(1)
    )
    return str((details or {}).get("steuermarke", "")).strip()


def _kept_since(submission: FormSubmission) -> date:
    return date.fromisoformat(_answer(submission.answers, "seit"))


def _assess(submission: FormSubmission, tag: str, year: int, start: date, today: date) -> bool:
    """``year``'s tax from ``start`` as a receivable, with its collection under a mandate;
    False if the dog owes nothing that year, is no longer taxed or the year was assessed."""
    answers = submission.answers
    table = rates()
    per_year = table.per_year(_answer(answers, "art"))
    name = _answer(answers, "name")
    due = today + timedelta(days=table.due_days)
    with db.transaction() as session:
        # Held until the end: a deregistration confirmed at the same moment waits for this
        # year's row (and reduces it), or came first and is seen here.
        lock_row(session, FormSubmission, submission.id)
        already = session.scalar(
            select(DogTaxYear.id).where(
                DogTaxYear.submission_id == submission.id, DogTaxYear.year == year
            )
        )
        until = _taxed_until(session, submission.id)
        if already is not None or (until is not None and until.year < year):
            return False
        amount = (
            year_amount(per_year, start, year)
            if until is None
            else owed_amount(per_year, start, until, year)
        )
        if amount <= 0:
            return False
        created = add_receivable(
            session,
            purpose=PURPOSE,
            amount_cents=amount,
            description=(
                f"Hundesteuer {year} ab {start:%m/%Y}, Steuermarke {tag} "
                f"({_answer(answers, 'hund_name')})"
            )[:140],
            debtor_name=name,
            due_date=due,
            purpose_ref=submission.reference,
        )
        inserted = insert_once(
            session,
            DogTaxYear,
            {
                "submission_id": submission.id,
                "year": year,
                "receivable_id": created.receivable.id,
                "taxed_from": start,
            },
            ("submission_id", "year"),
        )
        if inserted is None:
            # A parallel approval or run got there first: this receivable must not stay.
            session.rollback()
            return False
        if _answer(answers, "zahlweise") == "lastschrift":
            request_collection(
                session,
                created.receivable,
                Mandate(
                    reference=f"HST-{submission.reference}",
                    debtor_name=_answer(answers, "kontoinhaber") or name,
                    debtor_iban=_answer(answers, "iban"),
                    signed_on=city_time(submission.received_at).date(),
                ),
                due,
            )
    return True


def return_recipient(receivable: Receivable) -> str | None:
    """Where a returned debit of the tax is reported: the address given with the registration
    (the receivable names it by its Eingangsnummer)."""
    if not receivable.purpose_ref:
        return None
    answers = db.session.scalar(
        select(FormSubmission.answers).where(FormSubmission.reference == receivable.purpose_ref)
    )
    address = _answer(answers, "email") if answers else ""
    return address or None


def assessable(session: Session, registration_id: int, year: int) -> bool:
    """Whether the dog is still taxed in ``year``: not deregistered with the tax ending before
    it (no later year is assessed for a deregistered dog)."""
    until = _taxed_until(session, registration_id)
    return until is None or until.year >= year


def _taxed_until(session: Session, registration_id: int) -> date | None:
    """The last day the dog is taxed, once deregistered."""
    return session.scalar(
        select(DogDeregistration.taxed_until).where(
            DogDeregistration.registration_id == registration_id
        )
    )
