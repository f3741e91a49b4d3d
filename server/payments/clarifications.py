"""The cash office's Klärungsfälle: money the portal could not book on its own, and the
decisions on it. Every decision is a booking or a refund, never an edit of the journal."""

from __future__ import annotations

from sqlalchemy import select

from server.audit import log as audit
from server.db import utcnow
from server.extensions import db
from server.logs import get_logger
from server.payments import refunds
from server.payments.journal import balance_of, book
from server.payments.models import (
    BookingKind,
    BookingSource,
    Clarification,
    ClarificationReason,
    ClarificationState,
    Receivable,
)

log = get_logger("payments")


class DecisionError(ValueError):
    """This decision does not fit this clarification."""


def list_clarifications(
    state: ClarificationState | None = ClarificationState.OPEN,
) -> list[Clarification]:
    query = select(Clarification).order_by(Clarification.id)
    if state is not None:
        query = query.where(Clarification.state == state.value)
    return list(db.session.scalars(query))


def get_clarification(clarification_id: int) -> Clarification | None:
    return db.session.get(Clarification, clarification_id)


def count_open() -> int:
    return len(list_clarifications())


def _close(
    clarification: Clarification, state: ClarificationState, clerk: str, note: str | None
) -> None:
    clarification.state = state.value
    clarification.resolved_at = utcnow()
    clarification.resolved_by = clerk
    clarification.resolution_note = (note or "")[:500] or None
    audit.record(
        f"clerk:{clerk}", f"payments.clarification.{state.value}", "clarification", clarification.id
    )
    log.info(
        "clarification decided",
        extra={
            "clarification": clarification.id,
            "reason": clarification.reason,
            "decision": state.value,
            "clerk": clerk,
        },
    )


def _open(clarification: Clarification) -> None:
    if clarification.state != ClarificationState.OPEN.value:
        raise DecisionError("this clarification has been decided already")


def assign(
    clarification: Clarification, receivable: Receivable, *, clerk: str, note: str | None = None
) -> None:
    """Book money with an unknown reference to the receivable the clerk found."""
    _open(clarification)
    if (
        clarification.reason != ClarificationReason.UNKNOWN_REFERENCE.value
        or not clarification.credit
    ):
        raise DecisionError("only incoming money without a known reference can be assigned")
    with db.transaction() as session:
        book(
            session,
            receivable=receivable,
            kind=BookingKind.PAYMENT,
            amount_cents=clarification.amount_cents,
            source=BookingSource.BANK,
            source_ref=clarification.source_ref,
            booked_by=clerk,
            note=f"zugeordnet: {clarification.remittance}"[:500],
        )
        clarification.receivable_id = receivable.id
        after = balance_of(session, receivable)
        if after.open_cents < 0:
            session.add(
                Clarification(
                    reason=ClarificationReason.OVERPAYMENT.value,
                    source_ref=f"{clarification.source_ref}:overpaid",
                    statement_import_id=clarification.statement_import_id,
                    receivable_id=receivable.id,
                    amount_cents=-after.open_cents,
                    booking_date=clarification.booking_date,
                    debtor_name=clarification.debtor_name,
                    debtor_iban=clarification.debtor_iban,
                    remittance=clarification.remittance,
                )
            )
        _close(clarification, ClarificationState.ASSIGNED, clerk, note)


def refund(clarification: Clarification, *, clerk: str, note: str | None = None) -> None:
    """Pay back money that is not owed: too much, twice, or for nothing the city knows."""
    _open(clarification)
    reason = ClarificationReason(clarification.reason)
    if reason in (ClarificationReason.PARTIAL_PAYMENT, ClarificationReason.RETURNED_DEBIT):
        raise DecisionError("nothing to pay back for a partial payment or a returned debit")
    receivable = (
        clarification.receivable if reason != ClarificationReason.UNKNOWN_REFERENCE else None
    )
    with db.transaction():
        refunds.request_refund(
            receivable=receivable,
            amount_cents=clarification.amount_cents,
            creditor_name=clarification.debtor_name,
            creditor_iban=clarification.debtor_iban,
            reason=note or reason.value,
            clerk=clerk,
            clarification=clarification,
        )
        _close(clarification, ClarificationState.REFUNDED, clerk, note)


def write_off(clarification: Clarification, *, clerk: str, reason: str) -> None:
    """Give up what is still open of the receivable, with the reason on record."""
    _open(clarification)
    if not reason.strip():
        raise DecisionError("a write-off needs a reason")
    receivable = clarification.receivable
    if receivable is None:
        raise DecisionError("only a clarification with a receivable can be written off")
    with db.transaction() as session:
        open_cents = balance_of(session, receivable).open_cents
        if open_cents <= 0:
            raise DecisionError("nothing is open on this receivable")
        book(
            session,
            receivable=receivable,
            kind=BookingKind.WRITE_OFF,
            amount_cents=open_cents,
            source=BookingSource.CLERK,
            source_ref=f"write-off:clarification:{clarification.id}",
            booked_by=clerk,
            note=reason,
        )
        _close(clarification, ClarificationState.WRITTEN_OFF, clerk, reason)


def accept(clarification: Clarification, *, clerk: str, note: str | None = None) -> None:
    """Nothing to book: e.g. the rest of a partial payment is still expected."""
    _open(clarification)
    with db.transaction():
        _close(clarification, ClarificationState.ACCEPTED, clerk, note)
