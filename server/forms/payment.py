"""The payment step of the form engine: a service with a fee (``FormDefinition.payment``) is
priced from its answers, shown before sending, and paid through the payments area before it
reaches the back office.

A submission with a fee is recorded as ``AWAITING_PAYMENT`` with a receivable (purpose of the
service, ``purpose_ref`` = the Eingangsnummer). The journal's settlement of that receivable moves
it to the service's first status, into the inbox, and queues the confirmation mail, in the
journal's own transaction; a failed or cancelled payment leaves it waiting, to be paid later from
the confirmation page or the account. Payments never imports the forms: the handler is registered
by purpose.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from server.audit import log as audit
from server.db import utcnow
from server.extensions import db
from server.formatting import city_today
from server.forms import notices
from server.forms.engine import AWAITING_PAYMENT, CleanAnswers, Fee, FormDefinition
from server.forms.models import FormStatusEvent, FormSubmission
from server.logs import get_logger
from server.payments import access, events, online
from server.payments.closing import ClosingReason, close_receivable
from server.payments.journal import Balance
from server.payments.models import Receivable
from server.payments.receivables import balance, create_receivable, find_by_kassenzeichen

log = get_logger("forms")


def fee_of(definition: FormDefinition, answers: CleanAnswers) -> Fee | None:
    """What the (valid) answers cost; None for a service without a fee."""
    return definition.payment.fee(answers) if definition.payment else None


def lines_of(fee: Fee | None) -> list[dict[str, Any]] | None:
    if fee is None:
        return None
    return [{"label": item.label, "cents": item.cents, "code": item.code} for item in fee.items]


def awaiting(submission: FormSubmission) -> bool:
    return submission.status == AWAITING_PAYMENT.value


def ensure_receivable(definition: FormDefinition, submission: FormSubmission) -> Receivable:
    """The submission's receivable, created on first need (at submission, or when paying later
    if that failed)."""
    if submission.kassenzeichen:
        found = find_by_kassenzeichen(submission.kassenzeichen)
        if found is not None:
            return found
    spec = definition.payment
    if spec is None or not submission.fee_cents:
        raise ValueError(f"{submission.reference}: nothing to pay")
    with force_locale("de"):  # the notice's text is an official record
        description = f"{spec.description} {submission.reference}"
    created = create_receivable(
        purpose=spec.purpose,
        amount_cents=submission.fee_cents,
        description=description,
        debtor_name=spec.payer(submission.answers) or "-",
        due_date=city_today() + timedelta(days=spec.due_days),
        purpose_ref=submission.reference,
    )
    with db.transaction():
        submission.kassenzeichen = created.receivable.kassenzeichen
    return created.receivable


def payment_state(definition: FormDefinition, submission: FormSubmission) -> Balance | None:
    """The balance of the submission's receivable, if it has one."""
    if not submission.kassenzeichen:
        return None
    found = find_by_kassenzeichen(submission.kassenzeichen)
    return balance(found) if found is not None else None


def start_payment(definition: FormDefinition, submission: FormSubmission) -> str:
    """Start paying online; returns the provider's page. The browser may see the receivable
    from now on (the payments pages, the return from the provider). Raises the payments area's
    ``ProviderError`` or ``NothingToPay``."""
    receivable = ensure_receivable(definition, submission)
    access.grant(receivable)
    return online.start_online_payment(receivable).redirect_url


def payment_page(definition: FormDefinition, submission: FormSubmission) -> str:
    """The payments area's page of the receivable (transfer details, GiroCode)."""
    receivable = ensure_receivable(definition, submission)
    access.grant(receivable)
    return url_for("payments.receivable", kassenzeichen=receivable.kassenzeichen)


def submission_of(receivable: Receivable) -> tuple[FormDefinition, FormSubmission] | None:
    from server.forms.registry import DEFINITIONS

    if not receivable.purpose_ref:
        return None
    submission = db.session.scalar(
        select(FormSubmission).where(FormSubmission.reference == receivable.purpose_ref)
    )
    if submission is None:
        return None
    definition = DEFINITIONS.get(submission.service)
    if definition is None or definition.payment is None:
        return None
    if definition.payment.purpose != receivable.purpose:
        return None
    return definition, submission


def on_settled(receivable: Receivable) -> None:
    """The receivable is paid in full (any channel): the submission reaches the back office.
    Runs in the journal's transaction; a second report changes nothing."""
    found = submission_of(receivable)
    if found is None:
        log.warning("settled receivable without submission", extra={"purpose": receivable.purpose})
        return
    definition, submission = found
    first = definition.statuses[0]
    session = db.session
    result = session.execute(
        update(FormSubmission)
        .where(
            FormSubmission.id == submission.id,
            FormSubmission.status == AWAITING_PAYMENT.value,
        )
        .values(status=first.value, status_changed_at=utcnow())
    )
    if not getattr(result, "rowcount", 0):
        return
    session.add(FormStatusEvent(submission_id=submission.id, status=first.value, actor="payment"))
    session.flush()
    audit.record("system", "forms.paid", "form_submission", submission.id, receivable.kassenzeichen)
    notices.tell_received(definition, submission)
    log.info("form submission paid", extra={"reference": submission.reference})


def origin(receivable: Receivable) -> tuple[str, str] | None:
    """The payments page links back to the application it pays for."""
    found = submission_of(receivable)
    if found is None:
        return None
    definition, submission = found
    return (
        _("Zurück zu Ihrem Antrag %(reference)s", reference=submission.reference),
        url_for("forms.received", service=definition.slug, reference=submission.reference),
    )


def title(receivable: Receivable) -> str | None:
    """The notice's title on pages, in the reader's language: the service's payment description
    and the Eingangsnummer (stored in German as the receivable's description)."""
    found = submission_of(receivable)
    spec = found[0].payment if found else None
    if found is None or spec is None:
        return None
    return f"{spec.description} {found[1].reference}"


def register_payment_step(definition: FormDefinition) -> None:
    if definition.payment is not None:
        events.register_settlement_handler(definition.payment.purpose, on_settled)
        events.register_origin_link(definition.payment.purpose, origin)
        events.register_notice_title(definition.payment.purpose, title)


def refund_in_full(submission: FormSubmission, details: Mapping[str, str], clerk: str) -> None:
    """A status hook for a refusal (``Status.on_enter``): the fee's receivable is closed as
    rejected and everything paid goes back, with the clerk's reason (the input ``grund``).
    Idempotent: payments closes a receivable once, however often or concurrently this runs."""
    _close_fee(submission, ClosingReason.REJECTED, clerk, details.get("grund", ""))


def refund_withdrawn(submission: FormSubmission, _details: Mapping[str, str], actor: str) -> None:
    """A status hook for the citizen's withdrawal (``FormDefinition.withdrawal``): the fee's
    receivable is closed as withdrawn and everything paid goes back; a payment that arrives
    later goes to the cash office's clarification (payments' rule for closed receivables)."""
    _close_fee(submission, ClosingReason.WITHDRAWN, actor, "")


def _close_fee(submission: FormSubmission, reason: ClosingReason, actor: str, why: str) -> None:
    receivable = find_by_kassenzeichen(submission.kassenzeichen or "")
    if receivable is None:
        return  # nothing was charged
    close_receivable(
        receivable, reason=reason, actor=actor, note=f"{submission.reference}: {why}".rstrip(": ")
    )  # refunds everything paid, as counted inside the closing transaction
