"""Sollstellungen: creating receivables and finding them by Kassenzeichen, RF reference or link.

A receivable is created by the area that is owed the money (a fine, a certificate fee). Its
Kassenzeichen is a running number with a check digit (configurable, see ``KASSENZEICHEN_*``);
its ISO 11649 RF creditor reference is derived from it for structured bank transfers.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from flask import current_app
from sqlalchemy import Select, bindparam, exists, func, select
from sqlalchemy.orm import Session

from server.extensions import db
from server.logs import get_logger
from server.payments.journal import (
    Balance,
    ReceivableStatus,
    balance_columns,
    balance_from_sums,
    balance_of,
)
from server.payments.models import Booking, Receivable, Refund, Sequence
from server.payments.money import MAX_CENTS, AmountError
from server.payments.references import (
    KassenzeichenScheme,
    make_kassenzeichen,
    normalise_kassenzeichen,
    rf_reference,
)

log = get_logger("payments")
KASSENZEICHEN_SEQUENCE = "kassenzeichen"


class ReceivableError(ValueError):
    """A receivable cannot be created as asked."""


@dataclass(frozen=True)
class NewReceivable:
    receivable: Receivable
    access_token: str  # for the link on the notice; only its hash is stored


def kassenzeichen_scheme() -> KassenzeichenScheme:
    config = current_app.config
    return KassenzeichenScheme(
        prefix=config["KASSENZEICHEN_PREFIX"],
        sequence_digits=config["KASSENZEICHEN_DIGITS"],
        check=config["KASSENZEICHEN_CHECK"],
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _next_value(session: Session, name: str) -> int:
    row = session.execute(
        select(Sequence).where(Sequence.name == name).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        row = Sequence(name=name, last_value=0)
        session.add(row)
    row.last_value += 1
    session.flush()
    return row.last_value


def add_receivable(
    session: Session,
    *,
    purpose: str,
    amount_cents: int,
    description: str,
    debtor_name: str,
    due_date: date,
    purpose_ref: str | None = None,
    currency: str = "EUR",
) -> NewReceivable:
    """A new receivable inside the caller's transaction (one unit of work with what it is for)."""
    if currency != "EUR":
        raise ReceivableError(f"only EUR is accepted, not {currency}")
    if not 0 < amount_cents <= MAX_CENTS:
        raise AmountError(f"amount must be positive, not {amount_cents} cents")
    token = secrets.token_urlsafe(24)
    sequence = _next_value(session, KASSENZEICHEN_SEQUENCE)
    kassenzeichen = make_kassenzeichen(sequence, kassenzeichen_scheme())
    receivable = Receivable(
        kassenzeichen=kassenzeichen,
        rf_reference=rf_reference(kassenzeichen),
        access_token_hash=_token_hash(token),
        purpose=purpose,
        purpose_ref=purpose_ref,
        description=description[:140],
        debtor_name=debtor_name[:140],
        amount_cents=amount_cents,
        currency=currency,
        due_date=due_date,
    )
    session.add(receivable)
    session.flush()
    log.info(
        "receivable created",
        extra={"kassenzeichen": kassenzeichen, "purpose": purpose, "amount_cents": amount_cents},
    )
    return NewReceivable(receivable, token)


def create_receivable(
    *,
    purpose: str,
    amount_cents: int,
    description: str,
    debtor_name: str,
    due_date: date,
    purpose_ref: str | None = None,
    currency: str = "EUR",
) -> NewReceivable:
    with db.transaction() as session:
        return add_receivable(
            session,
            purpose=purpose,
            amount_cents=amount_cents,
            description=description,
            debtor_name=debtor_name,
            due_date=due_date,
            purpose_ref=purpose_ref,
            currency=currency,
        )


def find_by_kassenzeichen(text: str) -> Receivable | None:
    return db.session.scalar(
        select(Receivable).where(Receivable.kassenzeichen == normalise_kassenzeichen(text))
    )


class FoundWithBalance(NamedTuple):
    receivable: Receivable
    balance: Balance
    has_refunds: bool


@functools.cache
def _with_balance_query() -> Select[Receivable, int, int, int, bool]:
    refunded = exists().where(Refund.receivable_id == Receivable.id)
    return (
        select(Receivable, *balance_columns(), refunded)
        .outerjoin(Booking, Booking.receivable_id == Receivable.id)
        .where(Receivable.kassenzeichen == bindparam("kassenzeichen"))
        .group_by(Receivable.id)
    )


def find_with_balance(text: str) -> FoundWithBalance | None:
    """``find_by_kassenzeichen`` and ``balance`` in one statement, and whether anything was
    paid back of it: every page of a notice shows them (issue 17)."""
    row = db.session.execute(
        _with_balance_query(), {"kassenzeichen": normalise_kassenzeichen(text)}
    ).first()
    if row is None:
        return None
    receivable, paid, written_off, cancelled, refunded = row
    return FoundWithBalance(
        receivable, balance_from_sums(receivable, paid, written_off, cancelled), bool(refunded)
    )


def find_by_access_token(token: str) -> Receivable | None:
    return db.session.scalar(
        select(Receivable).where(Receivable.access_token_hash == _token_hash(token))
    )


def get_receivable(receivable_id: int) -> Receivable | None:
    return db.session.get(Receivable, receivable_id)


def balance(receivable: Receivable) -> Balance:
    """Derived from the journal as it stands in the database now."""
    return balance_of(db.session, receivable)


def list_receivables(status: ReceivableStatus | None = None) -> list[tuple[Receivable, Balance]]:
    """Every receivable with its balance, oldest first, optionally of one status."""
    rows = db.session.execute(
        select(Receivable, *balance_columns())
        .outerjoin(Booking)
        .group_by(Receivable.id)
        .order_by(Receivable.id)
    ).all()
    result = [
        (receivable, balance_from_sums(receivable, paid, written_off, cancelled))
        for receivable, paid, written_off, cancelled in rows
    ]
    if status is not None:
        result = [(r, b) for r, b in result if b.status == status]
    return result


def count_receivables() -> int:
    return int(db.session.scalar(select(func.count(Receivable.id))) or 0)
