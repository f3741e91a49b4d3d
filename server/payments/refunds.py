"""Paying money back: through the payment provider where the money came from there, otherwise
by SEPA credit transfer in a pain.001 file for the city's bank. Both are journal bookings."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterable
from datetime import date

from flask import current_app
from lxml import etree
from sqlalchemy import Select, bindparam, select, update

from server.audit import log as audit
from server.db import lock_row, utcnow
from server.extensions import db
from server.logs import get_logger
from server.payments.journal import balance_of, book
from server.payments.models import (
    Booking,
    BookingKind,
    BookingSource,
    Clarification,
    OnlinePayment,
    Receivable,
    Refund,
    RefundState,
)
from server.payments.money import decimal_string
from server.payments.providers.base import ProviderError
from server.payments.providers.registry import current_provider

log = get_logger("payments")
PAIN_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"


# Told of every refund of a receivable, in its transaction (the refund mail: refund_mail.py,
# registered by init_payments, since it reads the proof, which reads the refunds).
RefundHandler = Callable[[Receivable, Refund], None]
_refund_handlers: list[RefundHandler] = []


def on_refund(handler: RefundHandler) -> None:
    if handler not in _refund_handlers:
        _refund_handlers.append(handler)


class RefundError(ValueError):
    """A refund that cannot be made as asked."""


def _provider_payment(receivable: Receivable) -> OnlinePayment | None:
    booking = db.session.scalar(
        select(Booking)
        .where(
            Booking.receivable_id == receivable.id,
            Booking.source == BookingSource.PROVIDER.value,
            Booking.kind == BookingKind.PAYMENT.value,
        )
        .order_by(Booking.id.desc())
    )
    if booking is None:
        return None
    provider, _, provider_payment_id = booking.source_ref.partition(":")
    return db.session.scalar(
        select(OnlinePayment).where(
            OnlinePayment.provider == provider,
            OnlinePayment.provider_payment_id == provider_payment_id,
        )
    )


def _last_payer(receivable: Receivable) -> tuple[str | None, str | None]:
    booking = db.session.scalar(
        select(Booking)
        .where(
            Booking.receivable_id == receivable.id,
            Booking.counterparty_iban.is_not(None),
            Booking.amount_cents > 0,
        )
        .order_by(Booking.id.desc())
    )
    return (booking.counterparty_name, booking.counterparty_iban) if booking else (None, None)


def request_refund(
    *,
    receivable: Receivable | None,
    amount_cents: int,
    reason: str,
    clerk: str | None,
    creditor_name: str | None = None,
    creditor_iban: str | None = None,
    clarification: Clarification | None = None,
    request_key: str | None = None,
) -> Refund:
    """Record and book a refund, inside the caller's transaction.

    Money that came through a payment platform goes back there, but only after the transaction:
    the refund is recorded here with its ``provider`` and made by ``send_provider_refunds``, so
    that no lock is held while the platform is asked. Anything else waits for the next credit
    transfer file. The database refuses a second refund of one clarification or request key."""
    if amount_cents <= 0:
        raise RefundError("a refund is a positive amount")
    session = db.session
    if receivable is not None:
        lock_row(session, Receivable, receivable.id)
        if amount_cents > balance_of(session, receivable).paid_cents:
            raise RefundError("a refund cannot be more than what was paid")
    refund = Refund(
        receivable_id=receivable.id if receivable else None,
        clarification_id=clarification.id if clarification else None,
        request_key=request_key,
        amount_cents=amount_cents,
        reason=reason[:500],
        created_by=clerk,
        reference=f"Erstattung {receivable.kassenzeichen}"
        if receivable
        else "Erstattung Ihrer Überweisung",
    )
    payment = _provider_payment(receivable) if receivable and not creditor_iban else None
    if payment is not None and payment.provider_payment_id:
        refund.provider = payment.provider
    else:
        if receivable is not None and not creditor_iban:
            creditor_name, creditor_iban = _last_payer(receivable)
        refund.creditor_name = (creditor_name or "")[:140] or None
        refund.creditor_iban = creditor_iban
    session.add(refund)
    session.flush()
    audit.record(
        f"clerk:{clerk}" if clerk else "system",
        "payments.refund",
        "refund",
        refund.id,
        f"{amount_cents} cents, {'platform' if refund.provider else 'transfer'}",
    )
    if receivable is not None:
        book(
            session,
            receivable=receivable,
            kind=BookingKind.REFUND,
            amount_cents=-amount_cents,
            source=BookingSource.PROVIDER if refund.provider else BookingSource.CLERK,
            source_ref=f"refund:{refund.id}",
            booked_by=clerk,
            note=reason,
            counterparty_name=refund.creditor_name,
            counterparty_iban=refund.creditor_iban,
        )
        for handler in _refund_handlers:
            handler(receivable, refund)
    log.info(
        "refund requested",
        extra={
            "refund": refund.id,
            "amount_cents": amount_cents,
            "provider": refund.provider,
            "clerk": clerk,
        },
    )
    return refund


def send_provider_refunds(requested: Iterable[Refund]) -> None:
    """Pay back through the platform what ``request_refund`` recorded for it; call after the
    transaction that recorded the refunds. A platform that refuses leaves a transfer to the
    payer's account, where one is known, for the next credit transfer file."""
    for refund in requested:
        if refund.state != RefundState.REQUESTED.value or not refund.provider:
            continue
        receivable = (
            db.session.get(Receivable, refund.receivable_id) if refund.receivable_id else None
        )
        payment = _provider_payment(receivable) if receivable else None
        provider = current_provider()
        provider_refund_id = None
        if payment is not None and payment.provider_payment_id and provider.name == refund.provider:
            try:
                provider_refund_id = provider.refund(
                    payment.provider_payment_id, refund.amount_cents, refund.reason
                )
            except ProviderError as error:
                log.warning("provider refund impossible", extra={"error": str(error)})
        with db.transaction() as session:
            if provider_refund_id is not None:
                values: dict[str, object] = {
                    "state": RefundState.REFUNDED.value,
                    "provider_refund_id": provider_refund_id,
                }
            else:
                name, iban = _last_payer(receivable) if receivable else (None, None)
                values = {"provider": None, "creditor_name": name, "creditor_iban": iban}
            changed = session.execute(
                update(Refund)
                .where(
                    Refund.id == refund.id,
                    Refund.state == RefundState.REQUESTED.value,
                    Refund.provider.is_not(None),
                )
                .values(**values)
            )
            session.refresh(refund)
            if getattr(changed, "rowcount", 0) and receivable is not None and not refund.provider:
                # Not back through the platform after all: whoever paid hears how it goes now
                # (to their account, or once the cash office knows it: ``refund_accounts``).
                if refund.creditor_iban is None:
                    log.warning("refund waits for an account", extra={"refund": refund.id})
                for handler in _refund_handlers:
                    handler(receivable, refund)
        log.info("provider refund", extra={"refund": refund.id, "state": refund.state})


def refund_receivable(
    receivable: Receivable,
    amount_cents: int,
    *,
    reason: str,
    clerk: str | None = None,
    request_key: str | None = None,
) -> Refund:
    """For other areas: pay back (part of) what was paid, in its own transaction."""
    with db.transaction():
        refund = request_refund(
            receivable=receivable,
            amount_cents=amount_cents,
            reason=reason,
            clerk=clerk,
            request_key=request_key,
        )
    send_provider_refunds([refund])
    return refund


@functools.cache
def _refunds_of() -> Select[Refund]:
    """Built once per process: every page showing a receivable asks (issue 17)."""
    return (
        select(Refund).where(Refund.receivable_id == bindparam("receivable_id")).order_by(Refund.id)
    )


def refunds_of(receivable: Receivable) -> list[Refund]:
    """What was paid back of a receivable, oldest first: for the citizen's and the clerk's view."""
    return list(db.session.scalars(_refunds_of(), {"receivable_id": receivable.id}))


def pending_transfers() -> list[Refund]:
    """The refunds the next credit transfer file pays: those without an account wait for the
    cash office (``refund_accounts``)."""
    return list(
        db.session.scalars(
            select(Refund)
            .where(
                Refund.state == RefundState.REQUESTED.value,
                Refund.provider.is_(None),
                Refund.creditor_iban.is_not(None),
            )
            .order_by(Refund.id)
        )
    )


def last_transfer_file() -> str | None:
    """The name of the newest credit transfer file (its message id)."""
    return db.session.scalar(
        select(Refund.export_file)
        .where(Refund.export_file.is_not(None))
        .order_by(Refund.id.desc())
        .limit(1)
    )


def _element(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, f"{{{PAIN_NAMESPACE}}}{tag}")
    if text is not None:
        child.text = text
    return child


def credit_transfer_file(
    execution_date: date, *, clerk: str | None = None
) -> tuple[str, bytes, int] | None:
    """A pain.001.001.09 file with every requested refund that has an IBAN; marks them exported.
    Returns (file name, content, number of transfers), or None if there is nothing to send."""
    config = current_app.config
    message_id = f"ERST-{utcnow():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
    with db.transaction() as session:
        # Claimed first, by a conditional update: two clerks (or two clicks) asking for the file
        # at once put each transfer into one file only.
        session.execute(
            update(Refund)
            .where(
                Refund.state == RefundState.REQUESTED.value,
                Refund.provider.is_(None),
                Refund.creditor_iban.is_not(None),
            )
            .values(state=RefundState.EXPORTED.value, export_file=message_id)
        )
        refunds = list(
            session.scalars(
                select(Refund).where(Refund.export_file == message_id).order_by(Refund.id)
            )
        )
        if not refunds:
            return None
        total = sum(r.amount_cents for r in refunds)
        root = etree.Element(f"{{{PAIN_NAMESPACE}}}Document", nsmap={None: PAIN_NAMESPACE})
        initiation = _element(root, "CstmrCdtTrfInitn")
        header = _element(initiation, "GrpHdr")
        _element(header, "MsgId", message_id)
        _element(header, "CreDtTm", utcnow().strftime("%Y-%m-%dT%H:%M:%S"))
        _element(header, "NbOfTxs", str(len(refunds)))
        _element(header, "CtrlSum", decimal_string(total))
        _element(_element(header, "InitgPty"), "Nm", config["PAYEE_NAME"][:70])
        info = _element(initiation, "PmtInf")
        _element(info, "PmtInfId", message_id)
        _element(info, "PmtMtd", "TRF")
        _element(info, "NbOfTxs", str(len(refunds)))
        _element(info, "CtrlSum", decimal_string(total))
        _element(_element(_element(info, "PmtTpInf"), "SvcLvl"), "Cd", "SEPA")
        _element(_element(info, "ReqdExctnDt"), "Dt", execution_date.isoformat())
        _element(_element(info, "Dbtr"), "Nm", config["PAYEE_NAME"][:70])
        _element(
            _element(_element(info, "DbtrAcct"), "Id"),
            "IBAN",
            config["PAYEE_IBAN"].replace(" ", ""),
        )
        agent = _element(_element(info, "DbtrAgt"), "FinInstnId")
        if config["PAYEE_BIC"]:
            _element(agent, "BICFI", config["PAYEE_BIC"])
        else:
            _element(_element(agent, "Othr"), "Id", "NOTPROVIDED")
        _element(info, "ChrgBr", "SLEV")
        for refund in refunds:
            transaction = _element(info, "CdtTrfTxInf")
            _element(_element(transaction, "PmtId"), "EndToEndId", f"ERST-{refund.id}")
            amount = _element(
                _element(transaction, "Amt"), "InstdAmt", decimal_string(refund.amount_cents)
            )
            amount.set("Ccy", "EUR")
            _element(
                _element(transaction, "Cdtr"), "Nm", (refund.creditor_name or "Unbekannt")[:70]
            )
            _element(
                _element(_element(transaction, "CdtrAcct"), "Id"),
                "IBAN",
                (refund.creditor_iban or "").replace(" ", ""),
            )
            _element(_element(transaction, "RmtInf"), "Ustrd", refund.reference[:140])
    content = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    log.info(
        "credit transfer file",
        extra={"file": message_id, "transfers": len(refunds), "total_cents": total, "clerk": clerk},
    )
    return f"{message_id}.xml", content, len(refunds)
