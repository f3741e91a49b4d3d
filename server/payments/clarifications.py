"""The cash office's Klärungsfälle: money the portal could not book on its own, and the
decisions on it. Every decision is a booking or a refund, never an edit of the journal."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.audit import log as audit
from server.db import lock_row, utcnow
from server.extensions import db
from server.logs import get_logger
from server.payments import refunds
from server.payments.journal import Balance, balance_of, book
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


class AlreadyDecided(DecisionError):
    """Another request decided this clarification first (a second click, a second clerk)."""


def open_clarification(
    session: Session,
    *,
    reason: ClarificationReason,
    source_ref: str,
    receivable: Receivable | None,
    amount_cents: int,
    remittance: str = "",
    debtor_name: str | None = None,
    debtor_iban: str | None = None,
) -> Clarification | None:
    """Put money in front of the cash office, inside the caller's transaction; one
    clarification per source event (None when it is there already)."""
    existing = session.scalar(select(Clarification).where(Clarification.source_ref == source_ref))
    if existing is not None:
        return None
    clarification = Clarification(
        reason=reason.value,
        source_ref=source_ref,
        receivable_id=receivable.id if receivable else None,
        amount_cents=amount_cents,
        debtor_name=debtor_name,
        debtor_iban=debtor_iban,
        remittance=remittance[:2000],
    )
    session.add(clarification)
    session.flush()
    log.info(
        "clarification opened",
        extra={"clarification": clarification.id, "reason": reason.value, "ref": source_ref},
    )
    return clarification


def _claim(
    session: Session,
    clarification: Clarification,
    state: ClarificationState,
    clerk: str,
    note: str | None,
) -> None:
    """Decide, by a conditional update that only one request can make: the first write of the
    decision's transaction, so whatever it books or refunds happens once."""
    claimed = session.execute(
        update(Clarification)
        .where(
            Clarification.id == clarification.id,
            Clarification.state == ClarificationState.OPEN.value,
        )
        .values(
            state=state.value,
            resolved_at=utcnow(),
            resolved_by=clerk,
            resolution_note=(note or "")[:500] or None,
        )
        .execution_options(synchronize_session=False)
    )
    if not getattr(claimed, "rowcount", 0):
        raise AlreadyDecided(_("Dieser Klärungsfall ist schon entschieden."))
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


def _decided(clarification: Clarification) -> None:
    """Show the state that won after a lost race or a failed decision."""
    db.session.rollback()
    db.session.refresh(clarification)


def _check_open(clarification: Clarification) -> None:
    if clarification.state != ClarificationState.OPEN.value:
        raise AlreadyDecided(_("Dieser Klärungsfall ist schon entschieden."))


def follow_up_reason(
    receivable: Receivable, before: Balance, after: Balance, amount_cents: int
) -> tuple[ClarificationReason, int] | None:
    """Whether money just booked to a receivable needs the cash office, and for how much:
    paid to a closed receivable, paid twice, or too much. ``before`` and ``after`` are its
    balances around the booking."""
    if receivable.closed_at is not None:
        return ClarificationReason.PAYMENT_ON_CLOSED, amount_cents
    if before.open_cents <= 0:
        return ClarificationReason.DUPLICATE_PAYMENT, amount_cents
    if after.open_cents < 0:
        return ClarificationReason.OVERPAYMENT, -after.open_cents
    return None


def assign(
    clarification: Clarification, receivable: Receivable, *, clerk: str, note: str | None = None
) -> None:
    """Book money with an unknown reference to the receivable the clerk found."""
    _check_open(clarification)
    if (
        clarification.reason != ClarificationReason.UNKNOWN_REFERENCE.value
        or not clarification.credit
    ):
        raise DecisionError(
            _("Nur eingegangenes Geld ohne bekannten Verwendungszweck kann zugeordnet werden.")
        )
    try:
        with db.transaction() as session:
            _claim(session, clarification, ClarificationState.ASSIGNED, clerk, note)
            lock_row(session, Receivable, receivable.id)
            before = balance_of(session, receivable)
            _booking, new = book(
                session,
                receivable=receivable,
                kind=BookingKind.PAYMENT,
                amount_cents=clarification.amount_cents,
                source=BookingSource.BANK,
                source_ref=clarification.source_ref,
                booked_by=clerk,
                note=f"zugeordnet: {clarification.remittance}"[:500],
                held=before,
            )
            after = before.with_booking(BookingKind.PAYMENT, clarification.amount_cents)
            session.execute(
                update(Clarification)
                .where(Clarification.id == clarification.id)
                .values(receivable_id=receivable.id)
                .execution_options(synchronize_session=False)
            )
            follow_up = follow_up_reason(
                receivable, before, after if new else before, clarification.amount_cents
            )
            if follow_up is not None:
                created = open_clarification(
                    session,
                    reason=follow_up[0],
                    source_ref=f"{clarification.source_ref}:{follow_up[0].value}",
                    receivable=receivable,
                    amount_cents=follow_up[1],
                    remittance=clarification.remittance,
                    debtor_name=clarification.debtor_name,
                    debtor_iban=clarification.debtor_iban,
                )
                if created is not None:
                    created.statement_import_id = clarification.statement_import_id
                    created.booking_date = clarification.booking_date
    finally:
        _decided(clarification)


def _refund_amount(session: Session, clarification: Clarification) -> int:
    reason = ClarificationReason(clarification.reason)
    if reason in (ClarificationReason.PARTIAL_PAYMENT, ClarificationReason.RETURNED_DEBIT):
        raise DecisionError(
            _("Bei einer Teilzahlung oder Rückbuchung gibt es nichts zu erstatten.")
        )
    if reason == ClarificationReason.AMOUNT_MISMATCH:
        receivable = clarification.receivable
        overpaid = -balance_of(session, receivable).open_cents if receivable else 0
        if overpaid <= 0:
            raise DecisionError(_("Es wurde nicht zu viel gezahlt; es gibt nichts zu erstatten."))
        return overpaid
    return clarification.amount_cents


def refund(clarification: Clarification, *, clerk: str, note: str | None = None) -> None:
    """Pay back money that is not owed: too much, twice, for a closed receivable, or for nothing
    the city knows. One refund per clarification, however often the decision is sent."""
    _check_open(clarification)
    reason = ClarificationReason(clarification.reason)
    receivable = (
        clarification.receivable if reason != ClarificationReason.UNKNOWN_REFERENCE else None
    )
    try:
        with db.transaction() as session:
            _claim(session, clarification, ClarificationState.REFUNDED, clerk, note)
            made = refunds.request_refund(
                receivable=receivable,
                amount_cents=_refund_amount(session, clarification),
                creditor_name=clarification.debtor_name,
                creditor_iban=clarification.debtor_iban,
                reason=note or reason.value,
                clerk=clerk,
                clarification=clarification,
            )
    except refunds.RefundError as error:
        _decided(clarification)
        raise DecisionError(
            _("Die Erstattung ist nicht möglich: %(reason)s", reason=str(error))
        ) from error
    finally:
        _decided(clarification)
    refunds.send_provider_refunds([made])


def write_off(clarification: Clarification, *, clerk: str, reason: str) -> None:
    """Give up what is still open of the receivable, with the reason on record."""
    _check_open(clarification)
    if not reason.strip():
        raise DecisionError(_("Geben Sie einen Grund an."))
    receivable = clarification.receivable
    if receivable is None:
        raise DecisionError(
            _("Nur ein Klärungsfall mit Sollstellung kann niedergeschlagen werden.")
        )
    try:
        with db.transaction() as session:
            _claim(session, clarification, ClarificationState.WRITTEN_OFF, clerk, reason)
            lock_row(session, Receivable, receivable.id)
            held = balance_of(session, receivable)
            open_cents = held.open_cents
            if open_cents <= 0:
                raise DecisionError(_("Auf dieser Sollstellung ist nichts mehr offen."))
            book(
                session,
                receivable=receivable,
                kind=BookingKind.WRITE_OFF,
                amount_cents=open_cents,
                source=BookingSource.CLERK,
                source_ref=f"write-off:clarification:{clarification.id}",
                booked_by=clerk,
                note=reason,
                held=held,
            )
    finally:
        _decided(clarification)


def accept(clarification: Clarification, *, clerk: str, note: str | None = None) -> None:
    """Nothing to book: e.g. the rest of a partial payment is still expected."""
    _check_open(clarification)
    try:
        with db.transaction() as session:
            _claim(session, clarification, ClarificationState.ACCEPTED, clerk, note)
    finally:
        _decided(clarification)
