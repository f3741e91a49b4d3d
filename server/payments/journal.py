"""The journal (Buchungsjournal): appending bookings and deriving balances from them.

Nothing here updates or deletes a booking. A booking is identified by its source event
(``source``, ``source_ref``); booking the same event again returns the booking already there.
``book`` appends one booking; ``Batch`` appends many (a bank statement) with the same rules: one
booking per event, the receivables held until the transaction ends, and the settlement handlers
of every receivable that ``settles`` run in the same transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    bindparam,
    case,
    func,
    select,
    update,
)
from sqlalchemy.orm import Session

from server.db import BULK_CHUNK, dialect_insert, lock_row, utcnow
from server.logs import get_logger
from server.payments import events
from server.payments.bulk import any_of, insert_rows, rows_of
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
            func.sum(
                # Each kind compared on its own: an IN list is expanded into the statement's text
                # for every execution (SQLAlchemy's "post-compile"), and these sums are on every
                # page that shows a receivable.
                case(
                    (
                        and_(*(Booking.kind != kind for kind in NOT_PAID_KINDS)),
                        Booking.amount_cents,
                    ),
                    else_=0,
                )
            ),
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


class ClaimAmount(Protocol):
    """What a balance needs of a receivable: an ORM ``Receivable`` or a page's plain copy of
    one (``server.fines.shown.ShownReceivable``)."""

    @property
    def amount_cents(self) -> int: ...

    @property
    def closed_at(self) -> datetime | None: ...


def balance_from_sums(
    receivable: ClaimAmount, paid: int, written_off: int, cancelled: int
) -> Balance:
    return Balance(
        receivable.amount_cents,
        int(paid),
        int(written_off),
        int(cancelled),
        receivable.closed_at is not None,
    )


@functools.cache
def _balance_query() -> Select[int, int, int]:
    """Built once: every page showing a receivable asks, and building the three sums costs
    more than running them (issue 17)."""
    return select(*balance_columns()).where(Booking.receivable_id == bindparam("receivable_id"))


def balance_of(session: Session, receivable: Receivable) -> Balance:
    row = session.execute(_balance_query(), {"receivable_id": receivable.id}).one()
    return balance_from_sums(receivable, row[0], row[1], row[2])


def settles(before: Balance, after: Balance, kind: BookingKind) -> bool:
    """Whether a booking settles its receivable: it took the last missing cent. A cancellation
    ends a claim without paying it, so it settles nothing."""
    return before.open_cents > 0 >= after.open_cents and kind != BookingKind.CANCELLATION


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
    held: Balance | None = None,
) -> tuple[Booking, bool]:
    """Append a booking; returns it and whether it is new (False: this event was booked before).

    Runs inside the caller's transaction. It holds the receivable's row until the transaction
    ends, so that bookings and closing of one receivable happen one after another and every
    decision taken from its balance stays true. When the receivable becomes paid by this booking,
    the settlement handlers of its purpose run in the same transaction.

    ``held`` is the balance a caller read after it took the receivable's row itself
    (``lock_row``) in this transaction: it is still the balance, so it is neither locked nor
    read again.
    """
    if held is None:
        existing = session.scalar(
            select(Booking).where(Booking.source == source.value, Booking.source_ref == source_ref)
        )
        if existing is not None:
            return existing, False
        lock_row(session, Receivable, receivable.id)
        before = balance_of(session, receivable)
    else:
        before = held  # an earlier booking of this event is found by the insert below
    # ON CONFLICT DO NOTHING: a parallel writer that booked the same event first wins cleanly,
    # without the savepoint (two more round trips while the receivable is held).
    booking = session.scalar(
        dialect_insert(Booking, session)
        .values(
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
        .on_conflict_do_nothing(index_elements=["source", "source_ref"])
        .returning(Booking)
    )
    if booking is None:
        existing = session.scalar(
            select(Booking).where(Booking.source == source.value, Booking.source_ref == source_ref)
        )
        if existing is None:
            raise RuntimeError(f"booking {source.value}:{source_ref} neither new nor found")
        return existing, False
    # The receivable is held: no other booking came in between.
    after = before.with_booking(kind, amount_cents)
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
    if settles(before, after, kind):
        events.receivable_settled(receivable)
    return booking, True


_CHUNK = BULK_CHUNK  # values in one bulk read: fewer, larger queries are several times faster

# The columns a batch writes, in the order of its pending rows.
_COLUMNS = (
    "receivable_id",
    "kind",
    "amount_cents",
    "source",
    "source_ref",
    "booked_by",
    "note",
    "reverses_id",
    "counterparty_name",
    "counterparty_iban",
    "booked_at",
)


@dataclass(frozen=True, slots=True)
class Held:
    """What a batch knows of a receivable it holds, read as a row (not as an ORM object: a
    statement holds tens of thousands)."""

    id: int
    purpose: str
    debtor_name: str


class Batch:
    """Many bookings in the caller's transaction, as ``book`` would append them one by one, but
    written together: for the bank statement import of tens of thousands of entries.

    Made with the ids of the receivables the bookings may concern: it holds them (in id order,
    so that batches holding the same receivables cannot deadlock each other) until the
    transaction ends, and keeps their balances current while booking. ``booked_before`` asks
    the journal in bulk which events are booked already; ``book`` appends one booking (or
    returns None for an event booked before); ``flush`` writes what was booked and runs the
    settlement handlers, loading as ORM objects only the receivables a handler needs. A
    parallel writer that books the same event anyway is refused by the journal's unique
    constraint and the whole transaction rolls back.
    """

    def __init__(self, session: Session, *, ids: Iterable[int] = ()) -> None:
        self.session = session
        ordered = sorted(set(ids))
        if ordered and session.get_bind().dialect.name == "sqlite":
            # SQLite has no row locks: one write takes the database's write lock (see lock_row).
            table: Table = Receivable.__table__  # type: ignore[assignment]
            session.execute(update(table).where(table.c.id == ordered[0]).values(id=table.c.id))
        self.receivables: dict[int, Held] = {}
        amounts: dict[int, tuple[int, bool]] = {}
        for start in range(0, len(ordered), _CHUNK):
            for receivable_id, purpose, debtor_name, amount_cents, closed_at in rows_of(
                session,
                select(
                    Receivable.id,
                    Receivable.purpose,
                    Receivable.debtor_name,
                    Receivable.amount_cents,
                    Receivable.closed_at,
                )
                .where(any_of(session, Receivable.id, ordered[start : start + _CHUNK]))
                .order_by(Receivable.id)
                .with_for_update(of=Receivable),
            ):
                self.receivables[receivable_id] = Held(receivable_id, purpose, debtor_name)
                amounts[receivable_id] = (amount_cents, closed_at is not None)
        sums: dict[int, tuple[int, int, int]] = {}
        for start in range(0, len(ordered), _CHUNK):
            for receivable_id, paid, written_off, cancelled in rows_of(
                session,
                select(Booking.receivable_id, *balance_columns())
                .where(any_of(session, Booking.receivable_id, ordered[start : start + _CHUNK]))
                .group_by(Booking.receivable_id),
            ):
                sums[receivable_id] = (int(paid), int(written_off), int(cancelled))
        self._balances = {
            receivable_id: Balance(amount_cents, *sums.get(receivable_id, (0, 0, 0)), closed)
            for receivable_id, (amount_cents, closed) in amounts.items()
        }
        self._known: dict[tuple[str, str], bool] = {}  # (source, source_ref): booked?
        self._pending: list[tuple[Any, ...]] = []
        self._settled: dict[int, str] = {}  # receivable id: purpose, in the order they settled

    def balance(self, receivable_id: int) -> Balance:
        return self._balances[receivable_id]

    def booked_before(self, source: BookingSource, source_refs: Iterable[str]) -> set[str]:
        """Which of these events the journal (or this batch) has booked already."""
        refs = sorted(set(source_refs))
        # The enum's value once: it is a property, looked up for each of thousands of events.
        value = source.value
        known = self._known
        unknown = [ref for ref in refs if (value, ref) not in known]
        for start in range(0, len(unknown), _CHUNK):
            chunk = unknown[start : start + _CHUNK]
            found = {
                source_ref
                for (source_ref,) in rows_of(
                    self.session,
                    select(Booking.source_ref).where(
                        Booking.source == value,
                        any_of(self.session, Booking.source_ref, chunk),
                    ),
                )
            }
            for ref in chunk:
                known[(value, ref)] = ref in found
        return {ref for ref in refs if known[(value, ref)]}

    def book(
        self,
        *,
        receivable_id: int,
        kind: BookingKind,
        amount_cents: int,
        source: BookingSource,
        source_ref: str,
        booked_by: str | None = None,
        note: str | None = None,
        counterparty_name: str | None = None,
        counterparty_iban: str | None = None,
    ) -> tuple[Balance, Balance] | None:
        """Append a booking to a receivable the batch holds; returns its balance before and
        after the booking, or None when this event was booked before."""
        source_value = source.value
        event = (source_value, source_ref)
        known = self._known.get(event)
        if known is None:
            known = bool(self.booked_before(source, [source_ref]))
        if known:
            return None
        self._known[event] = True
        before = self._balances[receivable_id]
        after = before.with_booking(kind, amount_cents)
        self._balances[receivable_id] = after
        # In the order of _COLUMNS, the booking time added by flush.
        self._pending.append(
            (
                receivable_id,
                kind.value,
                amount_cents,
                source_value,
                source_ref,
                booked_by,
                note,
                None,
                counterparty_name,
                counterparty_iban,
            )
        )
        if settles(before, after, kind):
            self._settled[receivable_id] = self.receivables[receivable_id].purpose
        return before, after

    def flush(self) -> None:
        """Write the bookings appended since the last flush, then run the settlement handlers of
        the receivables they settled."""
        pending, self._pending = self._pending, []
        settled, self._settled = self._settled, {}
        # Into the table itself, as tuples: the ORM's bulk insert, and even the core's, look at
        # every row again, for nothing. One time for the flush: the column's default would be
        # worked out row by row.
        table: Table = Booking.__table__  # type: ignore[assignment]
        booked_at = (utcnow(),)
        for start in range(0, len(pending), 5000):
            insert_rows(
                self.session,
                table,
                _COLUMNS,
                [row + booked_at for row in pending[start : start + 5000]],
            )
        if pending:
            log.info(
                "booked",
                extra={
                    "bookings": len(pending),
                    "amount_cents": sum(row[2] for row in pending),
                    "settled": len(settled),
                },
            )
        events.settled_together(settled, self._load)

    def _load(self, ids: Sequence[int]) -> list[Receivable]:
        """The ORM objects of held receivables a settlement handler needs, in the order asked."""
        found: dict[int, Receivable] = {}
        for start in range(0, len(ids), _CHUNK):
            for receivable in self.session.scalars(
                select(Receivable).where(
                    any_of(self.session, Receivable.id, list(ids[start : start + _CHUNK]))
                )
            ):
                found[receivable.id] = receivable
        return [found[receivable_id] for receivable_id in ids]
