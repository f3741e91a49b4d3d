"""Refunds whose credit transfer came back. The payee's bank returns a transfer it cannot
credit (account closed, IBAN unknown, name not matching): the money is back on the city's
account, and the statement shows it as a credit naming the refund by the end-to-end id of the
credit transfer file (``ERST-<refund id>``, ``refunds.credit_transfer_file``) with the bank's
reason code. Booked as a payment it would make the receivable overpaid while the refund still
read "transfer ordered". Here the refund waits for an account again instead: the account that
did not work is cleared (and kept with the return), the cash office lists the refund among
those without an account (``refund_accounts``), and the next transfer file pays it once an
account is given. The receivable's ledger stays as it is: the refund was booked when it was
decided, and it is still owed.

Once per statement entry (``refund_returns.source_ref`` is unique) and only while the refund
is out with the bank (``exported``), for the amount that went out: anything else is booked
and clarified as an incoming payment, as before."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.audit import log as audit
from server.db import insert_once
from server.extensions import db
from server.logs import get_logger
from server.payments.models import Receivable, Refund, RefundReturn, RefundState

log = get_logger("payments")

# The end-to-end id the credit transfer file gives each refund; at most nine digits, so that
# no id read from a bank's file overflows the database's integer.
_REFUND_END_TO_END = re.compile(r"ERST-([1-9][0-9]{0,8})")

# Told of every returned refund of a receivable, in the import's transaction (the citizen's
# mail: refund_mail.py, registered by init_payments).
ReturnHandler = Callable[[Receivable, Refund, "ReturnedTransfer"], None]
_return_handlers: list[ReturnHandler] = []


def on_refund_returned(handler: ReturnHandler) -> None:
    if handler not in _return_handlers:
        _return_handlers.append(handler)


@dataclass(frozen=True)
class ReturnedTransfer:
    """A statement's credit that names one of the city's refunds."""

    refund_id: int
    amount_cents: int
    source_ref: str
    return_reason: str | None
    statement_import_id: int | None


def refund_named(end_to_end_id: str | None) -> int | None:
    """The refund a payment's end-to-end id names, if it is one of the credit transfer file's."""
    if not end_to_end_id or not end_to_end_id.startswith("ERST-"):
        return None
    found = _REFUND_END_TO_END.fullmatch(end_to_end_id)
    return int(found.group(1)) if found else None


def take_back(session: Session, returned: ReturnedTransfer) -> Refund | None:
    """The refund waits for an account again, if ``returned`` is its transfer coming back: the
    refund is out with the bank, for that amount, by transfer. None (nothing changed) for
    anything else, which the caller books as a payment. Inside the import's transaction."""
    refund = session.get(Refund, returned.refund_id)
    if (
        refund is None
        or refund.provider is not None
        or refund.amount_cents != returned.amount_cents
    ):
        return None
    failed_name, failed_iban, failed_file = (
        refund.creditor_name,
        refund.creditor_iban,
        refund.export_file,
    )
    # One conditional update: only a refund out with the bank goes back to waiting, whatever
    # else touched it since it was read.
    reset = session.execute(
        update(Refund)
        .where(
            Refund.id == refund.id,
            Refund.state == RefundState.EXPORTED.value,
            Refund.export_file == failed_file,
        )
        .values(state=RefundState.REQUESTED.value, creditor_iban=None, export_file=None)
        .execution_options(synchronize_session=False)
    )
    if not getattr(reset, "rowcount", 0):
        return None
    recorded = insert_once(
        session,
        RefundReturn,
        {
            "refund_id": refund.id,
            "source_ref": returned.source_ref,
            "statement_import_id": returned.statement_import_id,
            "amount_cents": returned.amount_cents,
            "creditor_name": failed_name,
            "creditor_iban": failed_iban,
            "return_reason": (returned.return_reason or "")[:35] or None,
            "export_file": failed_file,
        },
        ("source_ref",),
    )
    if not recorded:
        raise RuntimeError(f"{returned.source_ref} was taken before")
    session.refresh(refund)
    audit.record(
        "system",
        "payments.refund.returned",
        "refund",
        refund.id,
        returned.return_reason or "no reason given",
    )
    log.info(
        "refund transfer returned",
        extra={"refund": refund.id, "reason": returned.return_reason},
    )
    if refund.receivable_id is not None:
        receivable = session.get(Receivable, refund.receivable_id)
        if receivable is not None:
            for handler in _return_handlers:
                handler(receivable, refund, returned)
    return refund


def last_returns(refund_ids: list[int]) -> dict[int, RefundReturn]:
    """The latest return of each of these refunds, for the cash office's list."""
    if not refund_ids:
        return {}
    rows = db.session.scalars(
        select(RefundReturn)
        .where(RefundReturn.refund_id.in_(refund_ids))
        .order_by(RefundReturn.refund_id, RefundReturn.id)
    )
    return {row.refund_id: row for row in rows}
