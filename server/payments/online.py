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
from sqlalchemy.orm import Session

from server.db import utcnow
from server.extensions import db
from server.logs import get_logger
from server.payments.journal import book
from server.payments.models import (
    BookingKind,
    BookingSource,
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


def _locked(session: Session, payment_id: int) -> OnlinePayment:
    return session.execute(
        select(OnlinePayment).where(OnlinePayment.id == payment_id).with_for_update()
    ).scalar_one()


def apply_status(payment: OnlinePayment, status: ProviderStatus, *, via: str) -> OnlinePayment:
    """Move the payment to what the provider reports; book it once when paid."""
    with db.transaction() as session:
        locked = _locked(session, payment.id)
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
            book(
                session,
                receivable=locked.receivable,
                kind=BookingKind.PAYMENT,
                amount_cents=status.amount_cents or locked.amount_cents,
                source=BookingSource.PROVIDER,
                source_ref=f"{locked.provider}:{locked.provider_payment_id}",
                note=f"{status.method or ''} via {via}".strip(),
            )
            if status.method:
                locked.method = status.method
        elif not current.final and reported != current:
            locked.state = reported.value
            if reported.final:
                locked.finished_at = utcnow()
        locked.updated_at = utcnow()
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
) -> OnlinePayment | None:
    query = select(OnlinePayment)
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
    try:
        status = provider.query_status(payment.provider_payment_id)
    except ProviderError:
        log.warning("status query failed on return", extra={"request_id": payment.request_id})
        return payment
    return apply_status(payment, status, via="return")


def handle_notification(
    provider: PaymentProvider, headers: dict[str, str], body: bytes
) -> OnlinePayment | None:
    """An authentic notification makes the portal ask for its payment's status; one for an
    unknown payment is logged and acknowledged. Raises ``NotificationRejected`` (answer 4xx) and
    ``ProviderError`` (answer 5xx, so that the platform tries again)."""
    provider_payment_id = provider.verify_notification(headers, body)
    payment = find_payment(provider=provider.name, provider_payment_id=provider_payment_id)
    if payment is None:
        log.warning(
            "notification for unknown payment",
            extra={"provider": provider.name, "provider_payment_id": provider_payment_id},
        )
        return None
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
    for payment in waiting:
        try:
            status = provider.query_status(payment.provider_payment_id or "")
        except ProviderError:
            log.warning("poll failed", extra={"request_id": payment.request_id})
            continue
        apply_status(payment, status, via="poll")
    return list(waiting)
