"""What the citizen is told about a receivable's money beyond the open amount: why a closed
receivable needs no payment, what was paid back and how, and the proof of payment
(*Zahlungsbestätigung*) of a paid one, as the page and the PDF (``proof_pdf``) show it; the
mail that carries it is ``proof_mail``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from flask_babel import gettext as _
from sqlalchemy import Select, and_, bindparam, select

from server.db import as_utc
from server.extensions import db
from server.payments.display import receivable_title
from server.payments.journal import Balance
from server.payments.models import (
    Booking,
    BookingKind,
    BookingSource,
    ClosingReason,
    OnlinePayment,
    Receivable,
    Refund,
    RefundState,
)
from server.payments.receivables import balance
from server.payments.references import format_kassenzeichen
from server.payments.refund_accounts import waits_for_account
from server.payments.refunds import refunds_of

# --- closed receivables ---------------------------------------------------------------------


class ClosableClaim(Protocol):
    """What the closing and the paid state are read from: an ORM ``Receivable`` or a page's
    plain copy of one (``server.fines.shown.ShownReceivable``)."""

    @property
    def closed_at(self) -> datetime | None: ...

    @property
    def closed_reason(self) -> str | None: ...


def closing_reason(receivable: ClosableClaim) -> ClosingReason | None:
    return ClosingReason(receivable.closed_reason) if receivable.closed_reason else None


def closing_text(reason: ClosingReason) -> str:
    """Why the citizen need not pay, in the citizen's words."""
    return {
        ClosingReason.DISCONTINUED: _("Das Verfahren wurde eingestellt. Sie müssen nichts zahlen."),
        ClosingReason.FORWARDED: _(
            "Das Verfahren richtet sich jetzt gegen die benannte Person. Sie müssen nichts zahlen."
        ),
        ClosingReason.REPLACED: _(
            "Diese Zahlungsaufforderung ist durch einen neuen Bescheid ersetzt. Bitte zahlen Sie "
            "nicht mehr auf dieses Kassenzeichen."
        ),
        ClosingReason.REJECTED: _("Der Antrag wurde abgelehnt. Sie müssen nichts zahlen."),
        ClosingReason.WITHDRAWN: _("Der Antrag wurde zurückgenommen. Sie müssen nichts zahlen."),
        ClosingReason.ENDED: _("Die Steuerpflicht ist beendet. Sie müssen nichts zahlen."),
    }[reason]


def closed_status_text(reason: ClosingReason) -> str:
    """The short status of a closed receivable (account page)."""
    return {
        ClosingReason.DISCONTINUED: _("erledigt: Verfahren eingestellt"),
        ClosingReason.FORWARDED: _("erledigt: an die benannte Person abgegeben"),
        ClosingReason.REPLACED: _("erledigt: durch neuen Bescheid ersetzt"),
        ClosingReason.REJECTED: _("erledigt: Antrag abgelehnt"),
        ClosingReason.WITHDRAWN: _("erledigt: Antrag zurückgenommen"),
        ClosingReason.ENDED: _("erledigt: Steuerpflicht beendet"),
    }[reason]


# --- payments and refunds -------------------------------------------------------------------


def _online_payment(booking: Booking) -> OnlinePayment | None:
    provider, _sep, provider_payment_id = booking.source_ref.partition(":")
    return db.session.scalar(
        select(OnlinePayment).where(
            OnlinePayment.provider == provider,
            OnlinePayment.provider_payment_id == provider_payment_id,
        )
    )


def _method(booking: Booking, payment: OnlinePayment | None = None) -> str:
    """The payment method the platform reported (PayPal, Kreditkarte ...), or "". ``payment``
    is the booking's online payment when the caller read it with the booking."""
    payment = payment or _online_payment(booking)
    if payment is not None and payment.method:
        return payment.method
    # Within the booking's own transaction the payment's method is set only after the booking;
    # the booking's note carries it ("PayPal via return").
    note = booking.note or ""
    return note.rpartition(" via ")[0].strip() if " via " in note else ""


@dataclass(frozen=True)
class PaymentLine:
    """One payment that counts: when, which way, how much, under which reference."""

    paid_at: datetime
    way: str
    amount_cents: int
    reference: str


def _line(booking: Booking, payment: OnlinePayment | None) -> PaymentLine:
    if booking.source == BookingSource.PROVIDER.value:
        method = _method(booking, payment)
        way = _("Online-Zahlung (%(method)s)", method=method) if method else _("Online-Zahlung")
        reference = booking.source_ref.partition(":")[2] or booking.source_ref
    elif booking.source == BookingSource.BANK.value:
        way = _("Überweisung")
        # "bank:<account>:<entry reference>:<index>": the entry as the bank statement names it.
        parts = booking.source_ref.split(":")
        reference = parts[2] if len(parts) >= 4 and parts[0] == "bank" else booking.source_ref
    else:
        way = _("Zahlung bei der Stadtkasse")
        reference = booking.source_ref
    return PaymentLine(as_utc(booking.booked_at), way, booking.amount_cents, reference)


@functools.cache
def _bookings_with_payments() -> Select[Booking, OnlinePayment]:
    """The receivable's bookings, each online payment's with its attempt, which names the
    method (the attempt of this receivable: one booked to another after a clarification is
    looked up by its reference, ``_online_payment``)."""
    return (
        select(Booking, OnlinePayment)
        .outerjoin(
            OnlinePayment,
            and_(
                Booking.source == BookingSource.PROVIDER.value,
                OnlinePayment.receivable_id == Booking.receivable_id,
                OnlinePayment.provider.concat(":").concat(OnlinePayment.provider_payment_id)
                == Booking.source_ref,
            ),
        )
        .where(Booking.receivable_id == bindparam("receivable_id"))
        .order_by(Booking.id)
    )


def payment_lines(receivable: Receivable) -> list[PaymentLine]:
    """The payments of the receivable that were not reversed, oldest first."""
    rows = db.session.execute(_bookings_with_payments(), {"receivable_id": receivable.id}).all()
    reversed_ids = {b.reverses_id for b, _payment in rows if b.reverses_id is not None}
    return [
        _line(b, payment)
        for b, payment in rows
        if b.kind == BookingKind.PAYMENT.value and b.amount_cents > 0 and b.id not in reversed_ids
    ]


@dataclass(frozen=True)
class PaymentProof:
    """The Zahlungsbestätigung of a paid receivable."""

    kassenzeichen: str  # printed in groups
    description: str
    debtor_name: str
    amount_cents: int
    paid_at: datetime  # when the last payment arrived
    lines: tuple[PaymentLine, ...]

    @property
    def way(self) -> str:
        return ", ".join(dict.fromkeys(line.way for line in self.lines))

    @property
    def reference(self) -> str:
        return ", ".join(line.reference for line in self.lines)


def is_paid(receivable: ClosableClaim, current: Balance) -> bool:
    return receivable.closed_at is None and current.paid_cents > 0 and current.open_cents <= 0


def proof_of(receivable: Receivable, current: Balance | None = None) -> PaymentProof | None:
    """The proof of payment of a receivable paid in full; None for any other."""
    current = current or balance(receivable)
    if not is_paid(receivable, current):
        return None
    lines = payment_lines(receivable)
    if not lines:
        return None
    return PaymentProof(
        kassenzeichen=format_kassenzeichen(receivable.kassenzeichen),
        description=receivable_title(receivable),
        debtor_name=receivable.debtor_name,
        amount_cents=min(current.paid_cents, current.expected_cents),
        paid_at=lines[-1].paid_at,
        lines=tuple(lines),
    )


@dataclass(frozen=True)
class RefundShown:
    """A refund as the citizen reads it."""

    amount_cents: int
    way: str  # "zurück über PayPal", "Überweisung auf Ihr Konto"
    at: datetime
    state: str


def refund_way(receivable: Receivable, refund: Refund) -> str:
    if waits_for_account(refund):
        return _(
            "per Überweisung, sobald die Stadtkasse Ihre Kontoverbindung hat: Bitte nennen Sie "
            "sie ihr"
        )
    if not refund.provider:
        return _("Überweisung auf Ihr Konto")
    paid_online = db.session.scalar(
        select(Booking)
        .where(
            Booking.receivable_id == receivable.id,
            Booking.source == BookingSource.PROVIDER.value,
            Booking.kind == BookingKind.PAYMENT.value,
            Booking.source_ref.like(f"{refund.provider}:%"),
        )
        .order_by(Booking.id.desc())
    )
    method = _method(paid_online) if paid_online is not None else ""
    if method:
        return _("zurück über %(method)s", method=method)
    return _("zurück über den Zahlungsdienst")


def _refund_state(refund: Refund) -> str:
    if waits_for_account(refund):
        # The cash office lists it (refund_accounts) until the citizen names an account.
        return _("wartet auf Ihre Kontoverbindung")
    return {
        RefundState.REQUESTED.value: _("veranlasst"),
        RefundState.EXPORTED.value: _("Überweisung angewiesen"),
        RefundState.REFUNDED.value: _("erstattet"),
    }.get(refund.state, refund.state)


def refunds_shown(receivable: Receivable) -> list[RefundShown]:
    return [
        RefundShown(
            refund.amount_cents,
            refund_way(receivable, refund),
            as_utc(refund.created_at),
            _refund_state(refund),
        )
        for refund in refunds_of(receivable)
    ]
