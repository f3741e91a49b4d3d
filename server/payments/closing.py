"""Closing a receivable whose purpose ended: the city discontinued the fine, forwarded it to the
named driver, replaced it, rejected the order. A decision reaches the money here.

What was still open is cancelled with a booking that says why (``BookingKind.CANCELLATION``,
Absetzung); what was paid goes back as far as the area asks (a refund). The receivable is marked
closed once, by a conditional update, so a decision sent twice, or by two servers at once,
closes and refunds once. Money that still arrives afterwards is booked and goes to the cash
office's clarification queue as a payment on a closed receivable (``clarifications``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session

from server.audit import log as audit
from server.db import utcnow
from server.extensions import db
from server.logs import get_logger
from server.payments.journal import balance_of, book
from server.payments.models import (
    BookingKind,
    BookingSource,
    ClosingReason,
    Receivable,
    Refund,
)
from server.payments.refunds import RefundError, request_refund, send_provider_refunds

__all__ = [
    "ALL_PAID",
    "ClosingReason",
    "Closure",
    "close_in",
    "close_receivable",
    "finish",
    "reason_of",
]

log = get_logger("payments")

# How the journal and the cash office's export name each reason.
REASON_NOTES = {
    ClosingReason.DISCONTINUED: "Absetzung: Verfahren eingestellt",
    ClosingReason.FORWARDED: "Absetzung: Verfahren gegen die benannte Person",
    ClosingReason.REPLACED: "Absetzung: ersetzt durch neuen Bescheid",
    ClosingReason.REJECTED: "Absetzung: Antrag abgelehnt",
    ClosingReason.WITHDRAWN: "Absetzung: Antrag zurückgenommen",
    ClosingReason.ENDED: "Absetzung: Steuerpflicht beendet",
}

ALL_PAID = -1  # ``refund_cents``: pay back everything that was paid


@dataclass(frozen=True)
class Closure:
    receivable: Receivable
    cancelled_cents: int
    refund: Refund | None


def close_in(
    session: Session,
    receivable: Receivable,
    *,
    reason: ClosingReason,
    actor: str,
    note: str = "",
    refund_cents: int = ALL_PAID,
) -> Closure | None:
    """Close inside the caller's transaction; None when it was closed already (by this
    decision sent twice, or another). Call ``finish`` with the result after the commit."""
    claimed = session.execute(
        update(Receivable)
        .where(Receivable.id == receivable.id, Receivable.closed_at.is_(None))
        .values(
            closed_at=utcnow(),
            closed_reason=reason.value,
            closed_note=note.strip()[:500] or None,
            closed_by=actor[:64],
        )
        .execution_options(synchronize_session=False)
    )
    if not getattr(claimed, "rowcount", 0):
        session.refresh(receivable)
        return None
    session.refresh(receivable)
    text = f"{REASON_NOTES[reason]} {note.strip()}".strip()[:500]
    paid = balance_of(session, receivable).paid_cents
    to_refund = paid if refund_cents == ALL_PAID else min(max(refund_cents, 0), paid)
    refund = None
    if to_refund > 0:
        try:
            refund = request_refund(
                receivable=receivable,
                amount_cents=to_refund,
                reason=text,
                clerk=actor,
                request_key=f"closing:{receivable.id}",
            )
        except RefundError:
            log.warning("closing without refund", extra={"kassenzeichen": receivable.kassenzeichen})
    open_cents = balance_of(session, receivable).open_cents
    if open_cents > 0:
        book(
            session,
            receivable=receivable,
            kind=BookingKind.CANCELLATION,
            amount_cents=open_cents,
            source=BookingSource.CLERK,
            source_ref=f"closing:{receivable.id}",
            booked_by=actor,
            note=text,
        )
    audit.record(
        actor if ":" in actor else f"clerk:{actor}",
        f"payments.receivable.closed.{reason.value}",
        "receivable",
        receivable.id,
        f"{max(open_cents, 0)} cents cancelled, {to_refund} cents refunded",
    )
    log.info(
        "receivable closed",
        extra={
            "kassenzeichen": receivable.kassenzeichen,
            "reason": reason.value,
            "cancelled_cents": max(open_cents, 0),
            "refund_cents": to_refund,
            "actor": actor,
        },
    )
    return Closure(receivable, max(open_cents, 0), refund)


def finish(closure: Closure | None) -> None:
    """After the commit: refunds through the payment platform."""
    if closure is not None and closure.refund is not None:
        send_provider_refunds([closure.refund])


def close_receivable(
    receivable: Receivable,
    *,
    reason: ClosingReason,
    actor: str,
    note: str = "",
    refund_cents: int = ALL_PAID,
) -> Closure | None:
    """Close in a transaction of its own, for areas whose decision is already recorded."""
    with db.transaction() as session:
        closure = close_in(
            session, receivable, reason=reason, actor=actor, note=note, refund_cents=refund_cents
        )
    finish(closure)
    return closure


def reason_of(receivable: Receivable) -> ClosingReason | None:
    return ClosingReason(receivable.closed_reason) if receivable.closed_reason else None
