"""Online payments: start at the provider, then settle from whichever report comes first.

The return page, the provider's notification and the poll job all end in ``apply_status``. It
locks the payment row (PostgreSQL; SQLite serialises writers anyway), moves the state forward and
books a paid payment under its provider transaction id, which the journal books only once. So
however often and in whatever order the reports come, a payment is booked exactly once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from server.db import lock_row, utcnow
from server.extensions import db
from server.logs import get_logger
from server.payments.clarifications import follow_up_reason, open_clarification
from server.payments.journal import balance_of, book
from server.payments.models import (
    BookingKind,
    BookingSource,
    Clarification,
    ClarificationReason,
    OnlinePayment,
    PaymentState,
    Receivable,
)
from server.payments.providers.base import (
    PaymentItem,
    PaymentProvider,
    PaymentRequest,
    ProviderError,
    ProviderStatus,
)
from server.payments.providers.registry import current_provider
from server.payments.receivables import balance
from server.urls import public_url

log = get_logger("payments")


class NothingToPay(ValueError):
    """The receivable has nothing open."""


@dataclass(frozen=True)
class StartedOnlinePayment:
    payment: OnlinePayment
    redirect_url: str


def start_online_payment(
    receivable: Receivable, provider: PaymentProvider | None = None
) -> StartedOnlinePayment:
    provider = provider or current_provider()
    _settle_unconfirmed(receivable, provider)
    open_cents = balance(receivable).open_cents
    if open_cents <= 0:
        raise NothingToPay(receivable.kassenzeichen)
    request_id = uuid.uuid4().hex
    with db.transaction() as session:
        payment = OnlinePayment(
            request_id=request_id,
            receivable_id=receivable.id,
            provider=provider.name,
            amount_cents=open_cents,
        )
        session.add(payment)
    request = PaymentRequest(
        request_id=request_id,
        amount_cents=open_cents,
        currency=receivable.currency,
        purpose=f"{receivable.kassenzeichen} {receivable.description}"[:140],
        kassenzeichen=receivable.kassenzeichen,
        return_url=public_url("payments.payment_return", request_id=request_id),
        notify_url=public_url("payments.provider_notification", provider=provider.name),
        methods=tuple(current_app.config["PAYMENT_METHODS"]),
        items=(PaymentItem(receivable.kassenzeichen, receivable.description, open_cents),),
    )
    try:
        started = provider.start_payment(request)
    except ProviderError:
        with db.transaction():
            payment.state = PaymentState.FAILED.value
            payment.finished_at = utcnow()
        log.warning("payment start failed", extra={"request_id": request_id})
        raise
    with db.transaction():
        payment.provider_payment_id = started.provider_payment_id
        payment.state = PaymentState.PENDING.value
        payment.updated_at = utcnow()
    log.info(
        "payment started",
        extra={
            "request_id": request_id,
            "provider": provider.name,
            "kassenzeichen": receivable.kassenzeichen,
            "amount_cents": open_cents,
        },
    )
    return StartedOnlinePayment(payment, started.redirect_url)


def _settle_unconfirmed(receivable: Receivable, provider: PaymentProvider) -> None:
    """Before a new payment starts, ask the platform about this receivable's payments that are
    under way: one the citizen paid but the portal could not confirm (the status query failed
    on return, the notification was lost) is booked now instead of being paid a second time.
    If the platform cannot answer, ``ProviderError``: no second payment while the first may be
    paid (the citizen is told to try later; the poll job settles the first meanwhile)."""
    waiting = db.session.scalars(
        select(OnlinePayment)
        .where(
            OnlinePayment.receivable_id == receivable.id,
            OnlinePayment.provider == provider.name,
            OnlinePayment.state.in_([PaymentState.CREATED.value, PaymentState.PENDING.value]),
            OnlinePayment.provider_payment_id.is_not(None),
        )
        .order_by(OnlinePayment.id)
    ).all()
    if waiting:
        db.session.commit()  # no connection held while the platform answers
    for payment in waiting:
        try:
            status = provider.query_status(payment.provider_payment_id or "")
        except ProviderError:
            log.warning(
                "payment not started: an earlier one is unconfirmed",
                extra={"request_id": payment.request_id},
            )
            raise
        apply_status(payment, status, via="new attempt")


def _locked(session: Session, payment_id: int) -> OnlinePayment:
    """The payment as it is now, held: the object the caller read before the platform answered
    may be older than a report settled meanwhile (``lock_row`` reads it anew)."""
    locked = lock_row(session, OnlinePayment, payment_id)
    if locked is None:
        raise RuntimeError(f"online payment {payment_id} is gone")
    return locked


def _mismatch(payment: OnlinePayment, currency: str, status: ProviderStatus) -> str | None:
    """Why the platform's report does not fit the request (for a receivable in ``currency``),
    or None."""
    if status.amount_cents is None:
        return "no amount reported"
    if status.currency is not None and status.currency.upper() != currency:
        return f"currency {status.currency} instead of {currency}"
    if status.amount_cents != payment.amount_cents:
        return f"{status.amount_cents} cents instead of {payment.amount_cents}"
    return None


def _book_reported(
    session: Session, payment: OnlinePayment, status: ProviderStatus, via: str
) -> None:
    """Book a paid payment as the platform reported it, once. What does not fit (another amount,
    another currency, no amount, a closed or already paid receivable) goes to the cash office's
    clarification queue: the platform's word never silently settles a receivable."""
    source_ref = f"{payment.provider}:{payment.provider_payment_id}"
    receivable = lock_row(session, Receivable, payment.receivable_id)
    if receivable is None:
        raise RuntimeError(f"payment {payment.request_id} without its receivable")
    mismatch = _mismatch(payment, receivable.currency, status)
    foreign_currency = (
        status.currency is not None and status.currency.upper() != receivable.currency
    )
    before = balance_of(session, receivable)
    booked = None
    if status.amount_cents is not None and status.amount_cents > 0 and not foreign_currency:
        booked, new = book(
            session,
            receivable=receivable,
            kind=BookingKind.PAYMENT,
            amount_cents=status.amount_cents,
            source=BookingSource.PROVIDER,
            source_ref=source_ref,
            note=f"{status.method or ''} via {via}".strip(),
            held=before,
        )
        if not new:
            return
    elif session.scalar(
        select(Clarification.id).where(Clarification.source_ref == f"{source_ref}:mismatch")
    ):
        return
    remittance = f"{payment.provider} {payment.provider_payment_id} {status.method or ''}".strip()
    if mismatch is not None:
        log.warning(
            "platform amount differs",
            extra={"request_id": payment.request_id, "problem": mismatch, "via": via},
        )
        open_clarification(
            session,
            reason=ClarificationReason.AMOUNT_MISMATCH,
            source_ref=f"{source_ref}:mismatch",
            receivable=receivable,
            amount_cents=status.amount_cents
            if status.amount_cents and status.amount_cents > 0
            else payment.amount_cents,
            remittance=f"{remittance}: {mismatch}",
        )
        return
    assert booked is not None
    after = before.with_booking(BookingKind.PAYMENT, booked.amount_cents)
    follow_up = follow_up_reason(receivable, before, after, booked.amount_cents)
    if follow_up is not None:
        open_clarification(
            session,
            reason=follow_up[0],
            source_ref=f"{source_ref}:{follow_up[0].value}",
            receivable=receivable,
            amount_cents=follow_up[1],
            remittance=remittance,
        )


def apply_status(payment: OnlinePayment, status: ProviderStatus, *, via: str) -> OnlinePayment:
    """Move the payment to what the provider reports; book it once when paid."""
    with db.transaction() as session:
        locked = _locked(session, payment.id)
        # Set first: written with whatever else changes, in one UPDATE.
        locked.updated_at = utcnow()
        current = PaymentState(locked.state)
        reported = status.state
        if reported == PaymentState.PAID:
            # Money that arrived is booked whatever the payment's state said before.
            if current != PaymentState.PAID:
                if current.final:
                    log.warning(
                        "paid after final state",
                        extra={"request_id": locked.request_id, "was": current.value, "via": via},
                    )
                locked.state = PaymentState.PAID.value
                locked.finished_at = utcnow()
            if status.method:
                locked.method = status.method  # before booking: the settlement reads it
            _book_reported(session, locked, status, via)
        elif not current.final and reported != current:
            locked.state = reported.value
            if reported.final:
                locked.finished_at = utcnow()
    log.info(
        "payment status",
        extra={
            "request_id": payment.request_id,
            "reported": status.state.value,
            "state": locked.state,
            "via": via,
        },
    )
    return locked


def find_payment(
    *,
    request_id: str | None = None,
    provider: str | None = None,
    provider_payment_id: str | None = None,
    with_receivable: bool = False,
) -> OnlinePayment | None:
    query = select(OnlinePayment)
    if with_receivable:
        query = query.options(joinedload(OnlinePayment.receivable))
    if request_id is not None:
        query = query.where(OnlinePayment.request_id == request_id)
    else:
        query = query.where(
            OnlinePayment.provider == provider,
            OnlinePayment.provider_payment_id == provider_payment_id,
        )
    return db.session.scalar(query)


def handle_return(payment: OnlinePayment, provider: PaymentProvider | None = None) -> OnlinePayment:
    """The citizen is back from the provider's page: ask the provider how it went."""
    provider = provider or current_provider()
    if PaymentState(payment.state) == PaymentState.PAID or not payment.provider_payment_id:
        return payment
    db.session.commit()  # no connection held while the platform answers
    try:
        status = provider.query_status(payment.provider_payment_id)
    except ProviderError:
        log.warning("status query failed on return", extra={"request_id": payment.request_id})
        return payment
    return apply_status(payment, status, via="return")


def handle_notification(
    provider: PaymentProvider, headers: dict[str, str], body: bytes
) -> OnlinePayment | None:
    """An authentic notification makes the portal ask for its payment's status unless it is
    paid already; one for an unknown payment is logged and acknowledged. Raises
    ``NotificationRejected`` (answer 4xx) and ``ProviderError`` (answer 5xx, so that the
    platform tries again)."""
    provider_payment_id = provider.verify_notification(headers, body)
    payment = find_payment(provider=provider.name, provider_payment_id=provider_payment_id)
    if payment is None:
        log.warning(
            "notification for unknown payment",
            extra={"provider": provider.name, "provider_payment_id": provider_payment_id},
        )
        return None
    if PaymentState(payment.state) == PaymentState.PAID:
        # Paid is the end: booked in the same transaction that set it, and nothing the
        # platform reports later changes it. The platform announces each change more than once
        # (and stale ones too); the repeats are acknowledged without asking it again.
        return payment
    db.session.commit()  # no connection held while the platform answers
    return apply_status(payment, provider.query_status(provider_payment_id), via="notification")


def poll_pending(
    provider: PaymentProvider | None = None, *, older_than: timedelta | None = None
) -> list[OnlinePayment]:
    """Ask the provider about every payment that is not final after a while: nothing stays
    pending. Returns the payments asked about."""
    provider = provider or current_provider()
    minutes = current_app.config["PAYMENT_POLL_AFTER_MINUTES"]
    cutoff = utcnow() - (older_than if older_than is not None else timedelta(minutes=minutes))
    waiting = db.session.scalars(
        select(OnlinePayment)
        .where(
            OnlinePayment.provider == provider.name,
            OnlinePayment.state.in_([PaymentState.CREATED.value, PaymentState.PENDING.value]),
            OnlinePayment.created_at <= cutoff,
            OnlinePayment.provider_payment_id.is_not(None),
        )
        .order_by(OnlinePayment.id)
    ).all()
    db.session.commit()  # no connection held while the platform answers
    for payment in waiting:
        try:
            status = provider.query_status(payment.provider_payment_id or "")
        except ProviderError:
            log.warning("poll failed", extra={"request_id": payment.request_id})
            continue
        apply_status(payment, status, via="poll")
    return list(waiting)
