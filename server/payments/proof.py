"""What the citizen is told about a receivable's money beyond the open amount: why a closed
receivable needs no payment, what was paid back and how, and the proof of payment
(*Zahlungsbestätigung*) of a paid one, on the page, as a PDF and once by mail.

The proof mail is queued by a settlement handler for every purpose, in the journal's transaction
that books the last missing cent (``events.register_any_settlement_handler``). The journal holds
the receivable's row until that transaction ends, so two reports of one payment (return page,
notification, poll, a statement) settle it once; a receivable settled a second time (paid again
after a returned debit) finds its proof mail already in the outbox and sends none.

Areas say where the proof goes (``register_proof_recipient``: the hearing's e-mail address, the
application's); a citizen account linked to the notice is asked last. Payments never imports
the areas.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from server.auth.models import Citizen, CitizenRecord
from server.backends import Registry
from server.db import as_utc
from server.extensions import db
from server.logs import get_logger
from server.mail.models import OutboxMail
from server.mail.outbox import queue_mail
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
from server.payments.refunds import refunds_of

log = get_logger("payments")

RecipientOf = Callable[[Receivable], "str | None"]
_recipients: Registry[RecipientOf] = Registry("proof recipient for purpose")


def register_proof_recipient(purpose: str, recipient: RecipientOf) -> None:
    """``recipient(receivable)`` gives the e-mail address the area knows for it, or None; one
    per purpose."""
    _recipients.register(purpose, recipient)


# --- closed receivables ---------------------------------------------------------------------


def closing_reason(receivable: Receivable) -> ClosingReason | None:
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
    }[reason]


def closed_status_text(reason: ClosingReason) -> str:
    """The short status of a closed receivable (account page)."""
    return {
        ClosingReason.DISCONTINUED: _("erledigt: Verfahren eingestellt"),
        ClosingReason.FORWARDED: _("erledigt: an die benannte Person abgegeben"),
        ClosingReason.REPLACED: _("erledigt: durch neuen Bescheid ersetzt"),
        ClosingReason.REJECTED: _("erledigt: Antrag abgelehnt"),
        ClosingReason.WITHDRAWN: _("erledigt: Antrag zurückgenommen"),
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


def _method(booking: Booking) -> str:
    """The payment method the platform reported (PayPal, Kreditkarte ...), or ""."""
    payment = _online_payment(booking)
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


def _line(booking: Booking) -> PaymentLine:
    if booking.source == BookingSource.PROVIDER.value:
        method = _method(booking)
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


def payment_lines(receivable: Receivable) -> list[PaymentLine]:
    """The payments of the receivable that were not reversed, oldest first."""
    bookings = list(
        db.session.scalars(
            select(Booking).where(Booking.receivable_id == receivable.id).order_by(Booking.id)
        )
    )
    reversed_ids = {b.reverses_id for b in bookings if b.reverses_id is not None}
    return [
        _line(b)
        for b in bookings
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


def is_paid(receivable: Receivable, current: Balance) -> bool:
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
        description=receivable.description,
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


def _refund_way(receivable: Receivable, refund: Refund) -> str:
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
    return {
        RefundState.REQUESTED.value: _("veranlasst"),
        RefundState.EXPORTED.value: _("Überweisung angewiesen"),
        RefundState.REFUNDED.value: _("erstattet"),
    }.get(refund.state, refund.state)


def refunds_shown(receivable: Receivable) -> list[RefundShown]:
    return [
        RefundShown(
            refund.amount_cents,
            _refund_way(receivable, refund),
            as_utc(refund.created_at),
            _refund_state(refund),
        )
        for refund in refunds_of(receivable)
    ]


# --- the proof by mail ----------------------------------------------------------------------


def _attachment_name(receivable: Receivable) -> str:
    return f"zahlungsbestaetigung-{receivable.kassenzeichen}.pdf"


def _account_email(receivable: Receivable) -> str | None:
    citizen = db.session.scalar(
        select(Citizen)
        .join(CitizenRecord, CitizenRecord.citizen_id == Citizen.id)
        .where(CitizenRecord.kind == "receivables", CitizenRecord.record_id == receivable.id)
        .order_by(Citizen.id)
    )
    if citizen is None:
        return None
    return citizen.email or citizen.login_email


def recipient_of(receivable: Receivable) -> str | None:
    """Where the proof goes: the address the area knows, else the linked account's."""
    own = _recipients.get(receivable.purpose)
    for recipient in [*([own] if own else []), _account_email]:
        address = recipient(receivable)
        if address and "@" in address:
            return address.strip()
    return None


def _proof_key(receivable: Receivable) -> str:
    return f"proof:{receivable.id}"


def proof_mail_queued(receivable: Receivable) -> bool:
    return (
        db.session.scalar(
            select(OutboxMail.id).where(OutboxMail.dedupe_key == _proof_key(receivable))
        )
        is not None
    )


def mail_proof(receivable: Receivable) -> None:
    """Settlement handler for every purpose: queue the proof of payment once, if an address is
    known. Runs in the journal's transaction; a failure here never undoes the booking."""
    from server.payments.proof_pdf import render_proof

    session = db.session
    try:
        with session.begin_nested():
            recipient = recipient_of(receivable)
            if recipient is None or proof_mail_queued(receivable):
                return
            session.flush()
            with force_locale("de"):
                proof = proof_of(receivable)
                if proof is None:
                    return
                subject = _("Zahlungsbestätigung zum Kassenzeichen %(kz)s", kz=proof.kassenzeichen)
                body = proof_mail_body(proof)
                document = render_proof(proof)
            queue_mail(
                recipient=recipient,
                subject=subject,
                body=body,
                attachment_name=_attachment_name(receivable),
                attachment=document,
                dedupe_key=_proof_key(receivable),
            )
            session.flush()
    except Exception:  # the booking stands; the proof stays on the page and as a PDF
        log.exception("proof of payment not queued", extra={"kz": receivable.kassenzeichen})
        return
    log.info("proof of payment queued", extra={"kassenzeichen": receivable.kassenzeichen})


def proof_mail_body(proof: PaymentProof) -> str:
    from server.formatting import euro, german_date_time

    facts = "\n".join(
        [
            _("Kassenzeichen: %(kz)s", kz=proof.kassenzeichen),
            _("Zahlungsgrund: %(text)s", text=proof.description),
            _("Betrag: %(amount)s", amount=euro(proof.amount_cents)),
            _("Bezahlt am: %(when)s", when=german_date_time(proof.paid_at)),
            _("Zahlungsweg: %(way)s", way=proof.way),
            _("Referenz: %(reference)s", reference=proof.reference),
        ]
    )
    return "\n\n".join(
        [
            _("Guten Tag,"),
            _("Ihre Zahlung ist eingegangen und verbucht:"),
            facts,
            _("Die Zahlungsbestätigung liegt als PDF bei."),
        ]
    )
