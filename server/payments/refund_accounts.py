"""Refunds that wait for an account. Money goes back through the platform it came from, but
XBezahldienste defines no refunds and a platform may refuse one; then it goes by credit
transfer to the payer's account, and after a card, PayPal or Wero payment no account is known.
Such a refund would never reach a credit transfer file: the cash office sees it here and gives
the account the citizen names, and it goes with the next file (``refunds.credit_transfer_file``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, func, select, update

from server.audit import log as audit
from server.db import as_utc
from server.extensions import db
from server.logs import get_logger
from server.payments.models import Receivable, Refund, RefundReturn, RefundState
from server.payments.refund_returns import last_returns
from server.payments.return_reasons import reason_text

log = get_logger("payments")


def _waiting() -> tuple[ColumnElement[bool], ...]:
    return (
        Refund.state == RefundState.REQUESTED.value,
        Refund.provider.is_(None),
        Refund.creditor_iban.is_(None),
    )


def waits_for_account(refund: Refund) -> bool:
    """The row's ``_waiting``: to be paid by transfer, and no account known."""
    return (
        refund.state == RefundState.REQUESTED.value
        and refund.provider is None
        and refund.creditor_iban is None
    )


@dataclass(frozen=True)
class CashOfficeRefund:
    """A refund as the cash office reads it here."""

    id: int
    amount_cents: int
    reason: str
    since: datetime
    kassenzeichen: str | None
    receivable_id: int | None
    debtor_name: str | None
    waiting: bool  # for an account
    creditor_name: str | None
    creditor_iban: str | None
    # Its transfer came back: to which account, and why (the bank's reason in words).
    returned: str | None = None


def _returned(found: RefundReturn | None) -> str | None:
    if found is None:
        return None
    return _(
        "Die Überweisung an %(iban)s ist zurückgekommen: %(reason)s.",
        iban=found.creditor_iban or _("ein unbekanntes Konto"),
        reason=reason_text(found.return_reason),
    )


def _shown(statement: Select[Refund, str, str]) -> list[CashOfficeRefund]:
    rows = list(db.session.execute(statement))
    returns = last_returns([refund.id for refund, _kassenzeichen, _debtor in rows])
    return [
        CashOfficeRefund(
            id=refund.id,
            amount_cents=refund.amount_cents,
            reason=refund.reason,
            since=as_utc(refund.created_at),
            kassenzeichen=kassenzeichen,
            receivable_id=refund.receivable_id,
            debtor_name=debtor_name,
            waiting=waits_for_account(refund),
            creditor_name=refund.creditor_name,
            creditor_iban=refund.creditor_iban,
            returned=_returned(returns.get(refund.id)),
        )
        for refund, kassenzeichen, debtor_name in rows
    ]


def _with_receivable() -> Select[Refund, str, str]:
    return select(Refund, Receivable.kassenzeichen, Receivable.debtor_name).outerjoin(
        Receivable, Receivable.id == Refund.receivable_id
    )


def waiting_for_account() -> list[CashOfficeRefund]:
    """Oldest first: the citizen who has waited longest is asked first."""
    return _shown(_with_receivable().where(*_waiting()).order_by(Refund.id))


def find(refund_id: int) -> CashOfficeRefund | None:
    found = _shown(_with_receivable().where(Refund.id == refund_id))
    return found[0] if found else None


def count_waiting() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Refund).where(*_waiting())) or 0)


def give_account(refund_id: int, *, name: str, iban: str, clerk: str) -> bool:
    """The account the refund goes to, by one conditional update: False (nothing changed) when
    it has one already (given by another clerk, or by this one's second click) or is gone out."""
    with db.transaction() as session:
        given = session.execute(
            update(Refund)
            .where(Refund.id == refund_id, *_waiting())
            .values(creditor_name=name.strip()[:70], creditor_iban=iban)
            .execution_options(synchronize_session=False)
        )
        if not getattr(given, "rowcount", 0):
            return False
        audit.record(f"clerk:{clerk}", "payments.refund.account", "refund", refund_id)
    log.info("refund account given", extra={"refund": refund_id, "clerk": clerk})
    return True
