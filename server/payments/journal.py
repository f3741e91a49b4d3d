"""The journal (Buchungsjournal): appending bookings and deriving balances from them.

Nothing here updates or deletes a booking. A booking is identified by its source event
(``source``, ``source_ref``); booking the same event again returns the booking already there.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.db import lock_row
from server.logs import get_logger
from server.payments import events
from server.payments.models import Booking, BookingKind, BookingSource, Receivable

log = get_logger("payments")


class ReceivableStatus(StrEnum):
    OPEN = "open"  # nothing paid yet
    PARTIAL = "partial"  # something paid, something open
    PAID = "paid"  # nothing open
    OVERPAID = "overpaid"  # more received than expected: the cash office refunds
    CLOSED = "closed"  # the city ended the claim: nothing is owed any more (``payments.closing``)


# Bookings that reduce what is open without money coming in.
NOT_PAID_KINDS = (BookingKind.WRITE_OFF.value, BookingKind.CANCELLATION.value)


@dataclass(frozen=True)
class Balance:
    expected_cents: int
    paid_cents: int  # payments minus refunds and reversals
    written_off_cents: int
    cancelled_cents: int = 0
    closed: bool = False

    @property
    def open_cents(self) -> int:
        return self.expected_cents - self.paid_cents - self.written_off_cents - self.cancelled_cents

    @property
    def status(self) -> ReceivableStatus:
        if self.open_cents < 0:
            return ReceivableStatus.OVERPAID
        if self.closed:
            return ReceivableStatus.CLOSED
        if self.open_cents == 0:
            return ReceivableStatus.PAID
        return ReceivableStatus.PARTIAL if self.paid_cents > 0 else ReceivableStatus.OPEN

    def with_booking(self, kind: BookingKind, amount_cents: int) -> Balance:
        """The balance after one more booking."""
        paid, written_off, cancelled = self.paid_cents, self.written_off_cents, self.cancelled_cents
        if kind == BookingKind.WRITE_OFF:
            written_off += amount_cents
        elif kind == BookingKind.CANCELLATION:
            cancelled += amount_cents
        else:
            paid += amount_cents
        return Balance(self.expected_cents, paid, written_off, cancelled, self.closed)


def balance_columns() -> tuple[ColumnElement[int], ColumnElement[int], ColumnElement[int]]:
    """Sums of paid, written-off and cancelled cents over the bookings a query selects."""
    return (
        func.coalesce(
            func.sum(case((Booking.kind.not_in(NOT_PAID_KINDS), Booking.amount_cents), else_=0)),
            0,
        ),
        func.coalesce(
            func.sum(
                case((Booking.kind == BookingKind.WRITE_OFF.value, Booking.amount_cents), else_=0)
            ),
            0,
        ),
        func.coalesce(
            func.sum(
                case(
                    (Booking.kind == BookingKind.CANCELLATION.value, Booking.amount_cents),
                    else_=0,
                )
            ),
            0,
        ),
    )


def balance_from_sums(
    receivable: Receivable, paid: int, written_off: int, cancelled: int
) -> Balance:
    return Balance(
        receivable.amount_cents,
        int(paid),
        int(written_off),
        int(cancelled),
        receivable.closed_at is not None,
    )


def balance_of(session: Session, receivable: Receivable) -> Balance:
    row = session.execute(
        select(*balance_columns()).where(Booking.receivable_id == receivable.id)
    ).one()
    return balance_from_sums(receivable, row[0], row[1], row[2])


def book(
    session: Session,
    *,
    receivable: Receivable,
    kind: BookingKind,
    amount_cents: int,
    source: BookingSource,
    source_ref: str,
    booked_by: str | None = None,
    note: str | None = None,
    reverses: Booking | None = None,
    counterparty_name: str | None = None,
    counterparty_iban: str | None = None,
) -> tuple[Booking, bool]:
    """Append a booking; returns it and whether it is new (False: this event was booked before).

    Runs inside the caller's transaction. It holds the receivable's row until the transaction
    ends, so that bookings and closing of one receivable happen one after another and every
    decision taken from its balance stays true. When the receivable becomes paid by this booking,
    the settlement handlers of its purpose run in the same transaction.
    """
    existing = session.scalar(
        select(Booking).where(Booking.source == source.value, Booking.source_ref == source_ref)
    )
    if existing is not None:
        return existing, False
    lock_row(session, Receivable, receivable.id)
    before = balance_of(session, receivable)
    booking = Booking(
        receivable_id=receivable.id,
        kind=kind.value,
        amount_cents=amount_cents,
        source=source.value,
        source_ref=source_ref,
        booked_by=booked_by,
        note=note,
        reverses_id=reverses.id if reverses else None,
        counterparty_name=counterparty_name,
        counterparty_iban=counterparty_iban,
    )
    try:
        # A savepoint: a concurrent writer that booked the same event first wins cleanly.
        with session.begin_nested():
            session.add(booking)
    except IntegrityError:
        existing = session.scalar(
            select(Booking).where(Booking.source == source.value, Booking.source_ref == source_ref)
        )
        if existing is None:
            raise
        return existing, False
    after = balance_of(session, receivable)
    log.info(
        "booked",
        extra={
            "kassenzeichen": receivable.kassenzeichen,
            "kind": kind.value,
            "amount_cents": amount_cents,
            "source": source.value,
            "source_ref": source_ref,
            "open_cents": after.open_cents,
        },
    )
    if before.open_cents > 0 >= after.open_cents and kind != BookingKind.CANCELLATION:
        events.receivable_settled(receivable)
    return booking, True


def reverse(
    session: Session, booking: Booking, *, source: BookingSource, source_ref: str, note: str
) -> tuple[Booking, bool]:
    """Cancel a booking by booking its opposite; the original stays in the journal."""
    return book(
        session,
        receivable=booking.receivable,
        kind=BookingKind.REVERSAL,
        amount_cents=-booking.amount_cents,
        source=source,
        source_ref=source_ref,
        note=note,
        reverses=booking,
    )
