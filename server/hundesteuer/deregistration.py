"""Deregistering a dog from the dog tax: the citizen names a dog they registered (its tax tag
number or the Eingangsnummer of its registration), why and when it left; the tax office
confirms. The confirmation ends the tax with the month the dog left: the year's receivable is
reduced to the tax owed (a cancellation booking), what was paid beyond it goes back (a refund), a
collection not yet in a pain.008 file collects at most what is still open, and the mandate is
not used again. Once per dog: the database keeps one deregistration per registration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.auth.roles import Role
from server.db import insert_once, lock_row
from server.extensions import db
from server.formatting import city_time, city_today
from server.forms.common_fields import contact_email, full_name
from server.forms.engine import (
    AssessContext,
    Assessment,
    Choice,
    Condition,
    Field,
    FieldKind,
    FormDefinition,
    RawAnswers,
    Status,
    StatusInput,
    Step,
    parse_date,
)
from server.forms.models import FormSubmission
from server.forms.submissions import StatusError
from server.hundesteuer import tax
from server.hundesteuer.models import DogDeregistration, DogTaxYear
from server.logs import get_logger
from server.payments.closing import ClosingReason, close_in
from server.payments.direct_debits import end_mandate, limit_collection
from server.payments.journal import balance_of, book
from server.payments.models import (
    BookingKind,
    BookingSource,
    DirectDebit,
    DirectDebitState,
    Receivable,
    Refund,
    SepaMandate,
)
from server.payments.refunds import request_refund, send_provider_refunds
from server.privacy import PrivacyNotice

SLUG = "hundesteuer-abmeldung"
REGISTRATION = "hundesteuer"  # the registration's slug (definition.SLUG, not imported: a cycle)
APPROVED = tax.APPROVED
REFUSED = "abgelehnt"
# How far ahead a dog may be deregistered (a move already planned).
AHEAD = timedelta(days=31)
DIED, GIVEN_AWAY, MOVED = "verstorben", "abgegeben", "weggezogen"

log = get_logger("hundesteuer")


# --- the registration named ------------------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    submission: FormSubmission
    tag: str  # the tax tag number the tax office entered on approval

    @property
    def dog(self) -> str:
        return str(self.submission.answers.get("hund_name", ""))

    @property
    def kept_since(self) -> date:
        return date.fromisoformat(str(self.submission.answers.get("seit", "")))


def _fold(number: str) -> str:
    return "".join(number.split()).upper()


def find_registration(session: Session, citizen_id: int | None, number: str) -> Registration | None:
    """The citizen's approved registration with this tax tag number or Eingangsnummer."""
    wanted = _fold(number)
    if citizen_id is None or not wanted:
        return None
    for submission in session.scalars(
        select(FormSubmission)
        .where(
            FormSubmission.service == REGISTRATION,
            FormSubmission.citizen_id == citizen_id,
            FormSubmission.status == APPROVED,
        )
        .order_by(FormSubmission.id)
    ):
        tag = tax.tag_of(session, submission)
        if wanted in (_fold(submission.reference or ""), _fold(tag)):
            return Registration(submission, tag)
    return None


def _already_deregistered(session: Session, registration: Registration, citizen_id: int) -> bool:
    """Deregistered already, or a deregistration of it waits for the tax office."""
    if session.scalar(
        select(DogDeregistration.id).where(
            DogDeregistration.registration_id == registration.submission.id
        )
    ):
        return True
    waiting = session.scalars(
        select(FormSubmission).where(
            FormSubmission.service == SLUG,
            FormSubmission.citizen_id == citizen_id,
            FormSubmission.status != REFUSED,
        )
    )
    return any(
        (found := find_registration(session, citizen_id, str(other.answers.get("anmeldung", ""))))
        is not None
        and found.submission.id == registration.submission.id
        for other in waiting
    )


def _first(answers: RawAnswers, name: str) -> str:
    return next(iter(answers.get(name, ())), "").strip()


def assess(answers: RawAnswers, context: AssessContext) -> Assessment:
    """The number must be one of the citizen's approved registrations not deregistered yet;
    the dog left not before it came and at most a month from today."""
    number = _first(answers, "anmeldung")
    if not number:
        return Assessment()
    session = db.session
    registration = find_registration(session, context.citizen_id, number)
    if registration is None or context.citizen_id is None:
        return Assessment(
            refusals={
                "anmeldung": _(
                    "Zu dieser Nummer finden wir keinen Hund, den Sie angemeldet haben und "
                    "dessen Anmeldung bestätigt ist. Bitte prüfen Sie die Nummer."
                )
            }
        )
    if _already_deregistered(session, registration, context.citizen_id):
        return Assessment(refusals={"anmeldung": _("Diesen Hund haben Sie schon abgemeldet.")})
    notes = (
        _(
            "Sie melden %(dog)s ab (Steuermarke %(tag)s, Anmeldung %(reference)s).",
            dog=registration.dog,
            tag=registration.tag or "–",
            reference=registration.submission.reference,
        ),
    )
    left = parse_date(_first(answers, "bis"))
    if left is None:
        return Assessment(notes=notes)
    if left > city_today() + AHEAD:
        return Assessment(
            notes=notes,
            refusals={"bis": _("Sie können einen Hund höchstens einen Monat im Voraus abmelden.")},
        )
    if left < registration.kept_since:
        return Assessment(
            notes=notes,
            refusals={
                "bis": _(
                    "Das Datum liegt vor dem Beginn der Haltung laut Ihrer Anmeldung (%(date)s).",
                    date=f"{registration.kept_since:%d.%m.%Y}",
                )
            },
        )
    return Assessment(notes=notes)


# --- the confirmation -------------------------------------------------------------------------


def _year_start(answers: Mapping[str, object], assessed: DogTaxYear) -> date:
    """Where the year's assessment began: as ``tax.assess_year`` kept it, or (kept since
    migration 0031 only) the later of the month after the dog came and the month of the
    assessment."""
    if assessed.taxed_from is not None:
        return assessed.taxed_from
    made = city_time(assessed.created_at).date().replace(day=1)
    kept_since = date.fromisoformat(str(answers.get("seit", "")))
    return max(tax.taxed_from(kept_since), made, date(assessed.year, 1, 1))


def _reduce(
    session: Session,
    receivable: Receivable,
    *,
    owed: int,
    note: str,
    clerk: str,
    mandate: SepaMandate | None,
) -> Refund | None:
    """The receivable reduced to ``owed``: the rest cancelled with a booking that says why,
    what was paid beyond ``owed`` refunded, a collection still waiting limited to what is open.
    Returns the refund, if any. Nothing owed: the receivable is closed (the tax ended before
    its period), everything paid refunded."""
    if owed <= 0:
        closure = close_in(
            session,
            receivable,
            reason=ClosingReason.ENDED,
            actor=clerk,
            note=f"({note.removeprefix('Absetzung: ')})",
        )
        limit_collection(session, receivable.id, 0)
        return closure.refund if closure is not None else None
    reduction = max(receivable.amount_cents - owed, 0)
    if reduction > 0:
        book(
            session,
            receivable=receivable,
            kind=BookingKind.CANCELLATION,
            amount_cents=reduction,
            source=BookingSource.CLERK,
            source_ref=f"dog-deregistration:{receivable.id}",
            booked_by=clerk,
            note=note,
        )
    refund = None
    over = -balance_of(session, receivable).open_cents
    if over > 0:
        debit = session.scalar(
            select(DirectDebit).where(DirectDebit.receivable_id == receivable.id)
        )
        # Collected by direct debit: back to the mandate's account. Otherwise as the payments
        # area does: to the payment platform or the account the transfer came from.
        collected = (
            mandate is not None
            and debit is not None
            and debit.state in (DirectDebitState.EXPORTED.value, DirectDebitState.COLLECTED.value)
        )
        refund = request_refund(
            receivable=receivable,
            amount_cents=over,
            reason=note,
            clerk=clerk,
            creditor_name=mandate.debtor_name if collected and mandate else None,
            creditor_iban=mandate.debtor_iban if collected and mandate else None,
            request_key=f"dog-deregistration:{receivable.id}",
        )
    limit_collection(session, receivable.id, max(balance_of(session, receivable).open_cents, 0))
    return refund


def deregister(submission: FormSubmission, details: Mapping[str, str], clerk: str) -> None:
    """Status hook of 'abgemeldet': the tax ends with the month the dog left, in one
    transaction and once per dog (the unique deregistration of the registration)."""
    del details  # the confirmation needs no input
    answers = submission.answers
    left = date.fromisoformat(str(answers.get("bis", "")))
    until = tax.taxed_until(left)
    refunds: list[Refund] = []
    with db.transaction() as session:
        registration = find_registration(
            session, submission.citizen_id, str(answers.get("anmeldung", ""))
        )
        if registration is None:
            raise StatusError(
                {"status": _("Die genannte Anmeldung ist nicht (mehr) bestätigt angemeldet.")}
            )
        # Held until the end: the new year's assessment of this dog waits for it (and sees the
        # deregistration), or came first and its year is reduced below.
        lock_row(session, FormSubmission, registration.submission.id)
        inserted = insert_once(
            session,
            DogDeregistration,
            {
                "registration_id": registration.submission.id,
                "submission_id": submission.id,
                "left_on": left,
                "taxed_until": until,
            },
            ("registration_id",),
        )
        if inserted is None:
            session.rollback()
            raise StatusError({"status": _("Dieser Hund ist schon abgemeldet.")})
        mandate_reference = f"HST-{registration.submission.reference}"
        mandate = session.scalar(
            select(SepaMandate).where(SepaMandate.reference == mandate_reference)
        )
        per_year = tax.rates().per_year(str(registration.submission.answers.get("art", "")))
        note = f"Absetzung: Hund abgemeldet, Steuer bis {until:%m/%Y}, {submission.reference}"
        for assessed in session.scalars(
            select(DogTaxYear)
            .where(
                DogTaxYear.submission_id == registration.submission.id,
                DogTaxYear.year >= until.year,
            )
            .order_by(DogTaxYear.year)
        ):
            receivable = session.get(Receivable, assessed.receivable_id)
            if receivable is None:
                continue
            start = _year_start(registration.submission.answers, assessed)
            owed = min(
                tax.owed_amount(per_year, start, until, assessed.year), receivable.amount_cents
            )
            refund = _reduce(
                session, receivable, owed=owed, note=note, clerk=clerk, mandate=mandate
            )
            if refund is not None:
                refunds.append(refund)
        if mandate is not None:
            end_mandate(session, mandate_reference)
    log.info(
        "dog deregistered",
        extra={
            "reference": submission.reference,
            "registration": registration.submission.reference,
            "taxed_until": until.isoformat(),
            "refunds": len(refunds),
        },
    )
    send_provider_refunds(refunds)


# --- the definition ---------------------------------------------------------------------------

PRIVACY = PrivacyNotice(
    controller=_l("Steueramt"),
    purposes=(
        _l(
            "Wir verarbeiten Ihre Angaben, um die Hundesteuer für Ihren Hund zu beenden, die "
            "Steuer bis dahin neu festzusetzen und zu viel Gezahltes zu erstatten."
        ),
    ),
    legal_basis=_l(
        "Art. 6 Abs. 1 lit. c und e DSGVO i. V. m. dem Kommunalabgabengesetz des Landes und der "
        "Hundesteuersatzung der Stadt."
    ),
    retention=_l(
        "Wir löschen Ihre Abmeldung zwei Jahre nach dem Ende des Jahres, in dem sie bearbeitet "
        "wurde; die Steuerforderungen, Zahlungen und Erstattungen bewahrt die Stadtkasse nach "
        "den Fristen des Haushaltsrechts auf."
    ),
    recipients=(_l("Das Steueramt; die Stadtkasse und ihre Bank für die Erstattung."),),
    obligation=_l(
        "Die Abmeldung ist Ihre Pflicht nach der Hundesteuersatzung; ohne sie läuft die Steuer "
        "weiter. Die Angaben zur neuen Halterin oder zum neuen Halter sind freiwillig."
    ),
)

DEFINITION = FormDefinition(
    slug=SLUG,
    title=_l("Hund abmelden (Hundesteuer)"),
    summary=_l("Einen angemeldeten Hund von der Hundesteuer abmelden."),
    role=Role.TAX_OFFICE,
    reference_prefix="HSTAB",
    privacy=PRIVACY,
    login_level="low",
    email_field="email",
    keywords=("hundesteuer", "hund", "abmelden", "abmeldung", "steuermarke", "dog", "dog tax"),
    icon="pets",
    needs=(
        _l("Ein Konto oder den Online-Ausweis, mit dem Sie den Hund angemeldet haben"),
        _l("Die Nummer der Steuermarke oder die Eingangsnummer der Anmeldung"),
    ),
    cost=_l("Kostenlos. Die Steuer endet mit dem Monat, in dem der Hund gegangen ist."),
    duration=_l("Etwa 3 Minuten."),
    next_steps=(
        _l("Das Steueramt prüft die Abmeldung und bestätigt sie."),
        _l(
            "Geben Sie die Steuermarke bitte zurück: im Steueramt oder per Post. Ein Foto der "
            "Marke brauchen wir nicht."
        ),
        _l("Zu viel gezahlte Steuer erstattet die Stadtkasse; eine Lastschrift wird angepasst."),
    ),
    queue_title=_l("Hundeabmeldungen"),
    list_fields=("name", "anmeldung", "anlass", "bis"),
    assess=assess,
    steps=(
        Step(
            "hund",
            _l("Welchen Hund melden Sie ab?"),
            (
                Field(
                    "anmeldung",
                    FieldKind.TEXT,
                    _l("Nummer der Steuermarke oder Eingangsnummer der Anmeldung"),
                    clerk_label=_l("Anmeldung"),
                    hint=_l(
                        "Die Nummer steht auf der Steuermarke und im Bescheid; die "
                        "Eingangsnummer sieht so aus: HST-2026-000012."
                    ),
                    required_message=_l(
                        "Geben Sie die Nummer der Steuermarke oder die Eingangsnummer an."
                    ),
                    max_length=32,
                    autocomplete="off",
                ),
                full_name(),
                contact_email(),
            ),
        ),
        Step(
            "abmeldung",
            _l("Warum und seit wann?"),
            (
                Field(
                    "anlass",
                    FieldKind.RADIO,
                    _l("Warum halten Sie den Hund nicht mehr?"),
                    clerk_label=_l("Grund"),
                    choices=(
                        Choice(DIED, _l("Der Hund ist gestorben")),
                        Choice(GIVEN_AWAY, _l("Ich habe den Hund abgegeben")),
                        Choice(MOVED, _l("Ich ziehe mit dem Hund aus der Stadt weg")),
                    ),
                    required_message=_l("Wählen Sie einen Grund."),
                    facet="anlass",
                ),
                Field(
                    "neuer_halter",
                    FieldKind.TEXT,
                    _l("Name der neuen Halterin oder des neuen Halters (freiwillig)"),
                    required=False,
                    max_length=140,
                    when=Condition("anlass", (GIVEN_AWAY,)),
                ),
                Field(
                    "neuer_halter_anschrift",
                    FieldKind.TEXTAREA,
                    _l("Anschrift der neuen Halterin oder des neuen Halters (freiwillig)"),
                    required=False,
                    max_length=300,
                    when=Condition("anlass", (GIVEN_AWAY,)),
                ),
                Field(
                    "bis",
                    FieldKind.DATE,
                    _l("An welchem Tag ist der Hund gegangen?"),
                    clerk_label=_l("Abgang"),
                    hint=_l(
                        "Bei einem Umzug der Tag des Auszugs, höchstens einen Monat im Voraus. "
                        "Die Steuer endet mit diesem Monat."
                    ),
                    required_message=_l("Geben Sie an, wann der Hund gegangen ist."),
                ),
            ),
            intro=_l(
                "Die Steuermarke geben Sie bitte zurück, im Steueramt oder per Post; hochladen "
                "müssen Sie nichts."
            ),
            assessed=True,
        ),
    ),
    statuses=(
        Status("eingegangen", _l("Eingegangen")),
        Status("abgemeldet", _l("Abgemeldet"), final=True, on_enter=deregister),
        Status(
            "abgelehnt",
            _l("Abgelehnt"),
            final=True,
            negative=True,
            inputs=(StatusInput("grund", _l("Grund"), FieldKind.TEXTAREA),),
        ),
    ),
)
