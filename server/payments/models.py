"""Tables of the payments area.

- A **Sollstellung** (receivable) is what the city expects someone to pay: an amount under a
  **Kassenzeichen**, the city's payment reference printed on every notice.
- The **journal** holds every money movement as an appended booking; balances are sums over it.
- An **online payment** is one attempt at a payment provider; it reaches one final state.
- Bank statement entries are remembered so that importing a statement twice books nothing twice;
  money that cannot be booked automatically becomes a **Klärungsfall** (clarification) for the cash
  office.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, utcnow


class BookingKind(StrEnum):
    PAYMENT = "payment"  # money received
    REFUND = "refund"  # money paid back (negative)
    REVERSAL = "reversal"  # cancels an earlier booking (opposite sign)
    WRITE_OFF = "write_off"  # open amount given up, with a reason
    # Absetzung: the claim itself ended (fine discontinued, order rejected); what is open is
    # no longer owed. Unlike a write-off, nobody owes it any more.
    CANCELLATION = "cancellation"


class BookingSource(StrEnum):
    PROVIDER = "provider"  # a payment provider's transaction
    BANK = "bank"  # an entry of an imported bank statement
    CLERK = "clerk"  # a decision of the cash office


class PaymentState(StrEnum):
    CREATED = "created"
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def final(self) -> bool:
        return self in (PaymentState.PAID, PaymentState.FAILED, PaymentState.CANCELLED)


class ClarificationReason(StrEnum):
    UNKNOWN_REFERENCE = "unknown_reference"
    PARTIAL_PAYMENT = "partial_payment"
    OVERPAYMENT = "overpayment"
    DUPLICATE_PAYMENT = "duplicate_payment"
    RETURNED_DEBIT = "returned_debit"
    PAYMENT_ON_CLOSED = "payment_on_closed"  # money for a receivable the city has closed
    AMOUNT_MISMATCH = "amount_mismatch"  # a platform reported another amount or currency


class ClosingReason(StrEnum):
    """Why the city ended a receivable before it was paid (its purpose ended)."""

    DISCONTINUED = "discontinued"  # the fine case was discontinued (eingestellt)
    FORWARDED = "forwarded"  # the case goes on against the named driver, with a new receivable
    REPLACED = "replaced"  # replaced by another claim (Bußgeldbescheid instead of Verwarnung)
    REJECTED = "rejected"  # the order or application was rejected
    WITHDRAWN = "withdrawn"  # the citizen withdrew the application
    ENDED = "ended"  # the tax ended before the period the claim is for (a dog deregistered)


class ClarificationState(StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"
    REFUNDED = "refunded"
    WRITTEN_OFF = "written_off"
    ACCEPTED = "accepted"


def _values(enum: type[StrEnum]) -> str:
    return ", ".join(f"'{member.value}'" for member in enum)


class Sequence(Base):
    """Running numbers (Kassenzeichen), counted in the database on SQLite and PostgreSQL alike."""

    __tablename__ = "payment_sequences"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)


class Receivable(Base):
    __tablename__ = "receivables"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="positive_amount"),
        CheckConstraint(
            f"closed_reason IS NULL OR closed_reason IN ({_values(ClosingReason)})",
            name="known_closed_reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kassenzeichen: Mapped[str] = mapped_column(String(35), unique=True)
    rf_reference: Mapped[str] = mapped_column(String(25), unique=True)
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(32), index=True)
    purpose_ref: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(140))
    debtor_name: Mapped[str] = mapped_column(String(140))
    # Indexed: the statement import's suggestions for the cash office look receivables up by
    # the amount a transfer without a reference brought.
    amount_cents: Mapped[int] = mapped_column(Integer, index=True)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    due_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Set once, by a conditional update, when the city ends the claim (``payments.closing``).
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_reason: Mapped[str | None] = mapped_column(String(16))
    closed_note: Mapped[str | None] = mapped_column(String(500))
    closed_by: Mapped[str | None] = mapped_column(String(64))

    # Named with its module: another area may have a class of the same name (an appointment's
    # booking), and the mapper registry is shared. Loaded when read (only the clerks' journal
    # page does): every page that shows a receivable takes its balance from the sums
    # (journal.balance_of), not from the booking rows.
    bookings: Mapped[list[Booking]] = relationship(
        "server.payments.models.Booking",
        back_populates="receivable",
        order_by="server.payments.models.Booking.id",
    )


class Booking(Base):
    """One line of the journal. Never updated, never deleted: corrections are new bookings."""

    __tablename__ = "bookings"
    __table_args__ = (
        # One event books once: the return page, the notification and the poll may all report the
        # same payment, a statement may be imported twice.
        UniqueConstraint("source", "source_ref", name="one_booking_per_source_event"),
        CheckConstraint("amount_cents <> 0", name="nonzero_amount"),
        CheckConstraint(f"kind IN ({_values(BookingKind)})", name="known_kind"),
        CheckConstraint(f"source IN ({_values(BookingSource)})", name="known_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    receivable_id: Mapped[int] = mapped_column(ForeignKey("receivables.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    # Positive: reduces what is open (payments, write-offs); negative: refunds, reversals.
    amount_cents: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))
    source_ref: Mapped[str] = mapped_column(String(200))
    booked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    booked_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(500))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))
    # Who paid (or is paid back): needed to refund a transfer to the account it came from.
    counterparty_name: Mapped[str | None] = mapped_column(String(140))
    counterparty_iban: Mapped[str | None] = mapped_column(String(34))

    receivable: Mapped[Receivable] = relationship(back_populates="bookings")


class OnlinePayment(Base):
    """One attempt to pay a receivable at a payment provider."""

    __tablename__ = "online_payments"
    __table_args__ = (
        UniqueConstraint("provider", "provider_payment_id", name="one_row_per_provider_payment"),
        CheckConstraint(f"state IN ({_values(PaymentState)})", name="known_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    receivable_id: Mapped[int] = mapped_column(ForeignKey("receivables.id"), index=True)
    provider: Mapped[str] = mapped_column(String(32))
    provider_payment_id: Mapped[str | None] = mapped_column(String(100))
    amount_cents: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default=PaymentState.CREATED.value, index=True)
    method: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    receivable: Mapped[Receivable] = relationship()


class StatementImport(Base):
    """One imported bank statement (camt.053 or MT940)."""

    __tablename__ = "statement_imports"
    __table_args__ = (
        UniqueConstraint("account_iban", "statement_id", name="one_import_per_statement"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_iban: Mapped[str] = mapped_column(String(34))
    statement_id: Mapped[str] = mapped_column(String(100))
    source_format: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str | None] = mapped_column(String(255))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    imported_by: Mapped[str | None] = mapped_column(String(64))
    entries: Mapped[int] = mapped_column(Integer, default=0)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    clarifications: Mapped[int] = mapped_column(Integer, default=0)


class Clarification(Base):
    """Money the portal could not book on its own: the cash office decides."""

    __tablename__ = "clarifications"
    __table_args__ = (
        UniqueConstraint("source_ref", name="one_clarification_per_transaction"),
        CheckConstraint(f"reason IN ({_values(ClarificationReason)})", name="known_reason"),
        CheckConstraint(f"state IN ({_values(ClarificationState)})", name="known_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default=ClarificationState.OPEN.value)
    source_ref: Mapped[str] = mapped_column(String(200))
    statement_import_id: Mapped[int | None] = mapped_column(ForeignKey("statement_imports.id"))
    receivable_id: Mapped[int | None] = mapped_column(ForeignKey("receivables.id"))
    suggested_receivable_id: Mapped[int | None] = mapped_column(ForeignKey("receivables.id"))
    amount_cents: Mapped[int] = mapped_column(Integer)
    credit: Mapped[bool] = mapped_column(default=True)
    booking_date: Mapped[date | None] = mapped_column(Date)
    debtor_name: Mapped[str | None] = mapped_column(String(140))
    debtor_iban: Mapped[str | None] = mapped_column(String(34))
    remittance: Mapped[str] = mapped_column(Text, default="")
    # The ISO reason code of a returned payment (``AC04``, ``MD06``), shown to the clerk in words.
    return_reason: Mapped[str | None] = mapped_column(String(35))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolution_note: Mapped[str | None] = mapped_column(String(500))

    receivable: Mapped[Receivable | None] = relationship(foreign_keys=[receivable_id])
    suggested_receivable: Mapped[Receivable | None] = relationship(
        foreign_keys=[suggested_receivable_id]
    )


class RefundState(StrEnum):
    REQUESTED = "requested"  # waiting for the provider (``provider`` set) or the next transfer file
    EXPORTED = "exported"  # in a pain.001 file for the bank
    REFUNDED = "refunded"  # paid back through the payment provider


class Refund(Base):
    """Money the city pays back: through the provider, or by SEPA credit transfer (pain.001)."""

    __tablename__ = "refunds"
    __table_args__ = (
        # One refund per clarification and per request key: a decision sent twice, or by two
        # clerks at once, pays back once.
        UniqueConstraint("clarification_id", name="one_refund_per_clarification"),
        UniqueConstraint("request_key", name="one_refund_per_request"),
        CheckConstraint("amount_cents > 0", name="positive_amount"),
        CheckConstraint(f"state IN ({_values(RefundState)})", name="known_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    receivable_id: Mapped[int | None] = mapped_column(ForeignKey("receivables.id"), index=True)
    clarification_id: Mapped[int | None] = mapped_column(ForeignKey("clarifications.id"))
    # What asked for the refund ("closing:<receivable id>", ...): the same request refunds once.
    request_key: Mapped[str | None] = mapped_column(String(100))
    amount_cents: Mapped[int] = mapped_column(Integer)
    creditor_name: Mapped[str | None] = mapped_column(String(140))
    creditor_iban: Mapped[str | None] = mapped_column(String(34))
    reference: Mapped[str] = mapped_column(String(140))
    reason: Mapped[str] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(16), default=RefundState.REQUESTED.value)
    provider: Mapped[str | None] = mapped_column(String(32))
    provider_refund_id: Mapped[str | None] = mapped_column(String(100))
    export_file: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))


class RefundReturn(Base):
    """A refund's credit transfer that came back (the payee's bank returned it: account closed,
    IBAN wrong): the refund waits for an account again; one row per statement entry."""

    __tablename__ = "refund_returns"
    __table_args__ = (UniqueConstraint("source_ref", name="one_return_per_transaction"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    refund_id: Mapped[int] = mapped_column(ForeignKey("refunds.id"), index=True)
    source_ref: Mapped[str] = mapped_column(String(200))
    statement_import_id: Mapped[int | None] = mapped_column(ForeignKey("statement_imports.id"))
    amount_cents: Mapped[int] = mapped_column(Integer)
    # The account the transfer went to (the refund's is cleared) and the bank's ISO reason code.
    creditor_name: Mapped[str | None] = mapped_column(String(140))
    creditor_iban: Mapped[str | None] = mapped_column(String(34))
    return_reason: Mapped[str | None] = mapped_column(String(35))
    export_file: Mapped[str | None] = mapped_column(String(100))
    returned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SepaMandate(Base):
    """A SEPA direct debit mandate (SEPA-Lastschriftmandat): the debtor's permission for the city
    to collect from their account, identified by its reference, dated when it was given."""

    __tablename__ = "sepa_mandates"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(35), unique=True)
    debtor_name: Mapped[str] = mapped_column(String(140))
    debtor_iban: Mapped[str] = mapped_column(String(34))
    signed_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Set once (a conditional update) when a return says the mandate cannot be used any more
    # (account closed, no mandate, the debtor objected): no collection is asked under it again.
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(String(35))
    # The city no longer collects under it (the dog was deregistered): no new collection.
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DirectDebitState(StrEnum):
    REQUESTED = "requested"  # waiting for the next direct debit file
    EXPORTED = "exported"  # in a pain.008 file for the bank
    COLLECTED = "collected"  # the bank credited it (camt.053, end-to-end id ``LAST-<id>``)
    # The debtor's bank gave it back (Rücklastschrift): the receivable is open again; never
    # collected again by itself.
    RETURNED = "returned"
    CANCELLED = "cancelled"  # not to be collected any more (nothing owed before the export)


class DirectDebit(Base):
    """One collection of a receivable under a mandate, written into a pain.008 file once."""

    __tablename__ = "direct_debits"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="positive_amount"),
        CheckConstraint(f"state IN ({_values(DirectDebitState)})", name="known_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One collection per receivable: a hook run twice asks once.
    receivable_id: Mapped[int] = mapped_column(ForeignKey("receivables.id"), unique=True)
    mandate_id: Mapped[int] = mapped_column(ForeignKey("sepa_mandates.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    collection_date: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(
        String(16), default=DirectDebitState.REQUESTED.value, index=True
    )
    export_file: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    collected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    return_reason: Mapped[str | None] = mapped_column(String(35))
