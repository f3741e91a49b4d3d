"""SEPA direct debits (Lastschrift): mandates, the collections areas ask for, and the pain.008
file the cash office gives the bank. The XML is written and checked against the ISO 20022 schema
by ``sepaxml`` (its bundled pain.008.001.02.xsd)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sepaxml import SepaDD
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from server.db import insert_once, utcnow
from server.extensions import db
from server.logs import get_logger
from server.payments.models import DirectDebit, DirectDebitState, Receivable, SepaMandate

log = get_logger("portal.payments.direct_debits")
SCHEMA = "pain.008.001.02"


@dataclass(frozen=True)
class Mandate:
    reference: str  # e.g. "HST-2026-000012": unique per mandate, at most 35 characters
    debtor_name: str
    debtor_iban: str
    signed_on: date


def request_collection(
    session: Session, receivable: Receivable, mandate: Mandate, collection_date: date
) -> None:
    """In the caller's transaction: the mandate (kept once by its reference) and one collection
    of the receivable's amount under it (once per receivable, however often asked); none under
    a mandate a returned debit made unusable (``revoked_at``) or the city has ended
    (``end_mandate``): the receivable is paid like any other."""
    insert_once(
        session,
        SepaMandate,
        {
            "reference": mandate.reference,
            "debtor_name": mandate.debtor_name[:140],
            "debtor_iban": mandate.debtor_iban.replace(" ", "").upper(),
            "signed_on": mandate.signed_on,
        },
        ("reference",),
    )
    mandate_id, revoked_at, ended_at = session.execute(
        select(SepaMandate.id, SepaMandate.revoked_at, SepaMandate.ended_at).where(
            SepaMandate.reference == mandate.reference
        )
    ).one()
    if revoked_at is not None or ended_at is not None:
        # Unusable after a return (account closed, the debtor objected) or ended by the city
        # (the dog was deregistered): never collected under again.
        log.info(
            "no collection under a revoked or ended mandate",
            extra={"mandate": mandate.reference, "receivable": receivable.id},
        )
        return
    insert_once(
        session,
        DirectDebit,
        {
            "receivable_id": receivable.id,
            "mandate_id": mandate_id,
            "amount_cents": receivable.amount_cents,
            "collection_date": collection_date,
            "state": DirectDebitState.REQUESTED.value,
        },
        ("receivable_id",),
    )


def end_mandate(session: Session, reference: str) -> bool:
    """In the caller's transaction: the city collects nothing more under this mandate (a
    collection already requested is left to ``limit_collection``). True if it ended now."""
    ended = session.execute(
        update(SepaMandate)
        .where(SepaMandate.reference == reference, SepaMandate.ended_at.is_(None))
        .values(ended_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(ended, "rowcount", 0))


def limit_collection(session: Session, receivable_id: int, at_most_cents: int) -> str | None:
    """In the caller's transaction: the receivable's collection, if it still waits for the next
    pain.008 file, collects at most ``at_most_cents`` (nothing: it is cancelled). Conditional on
    its state, so a file made at the same moment either holds it as it was or not at all.
    Returns the collection's state afterwards (None: there is none)."""
    debit = session.scalar(select(DirectDebit).where(DirectDebit.receivable_id == receivable_id))
    if debit is None:
        return None
    values: dict[str, object] = (
        {"amount_cents": at_most_cents}
        if at_most_cents > 0
        else {"state": DirectDebitState.CANCELLED.value}
    )
    session.execute(
        update(DirectDebit)
        .where(
            DirectDebit.id == debit.id,
            DirectDebit.state == DirectDebitState.REQUESTED.value,
            DirectDebit.amount_cents > at_most_cents,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(debit)
    log.info(
        "collection limited",
        extra={"debit": debit.id, "state": debit.state, "amount_cents": debit.amount_cents},
    )
    return debit.state


def _sequence(session: Session, debit: DirectDebit, file_id: str) -> str:
    """FRST for a mandate's first collection, RCUR after (the banks' sequence types); a mandate
    whose collections were all returned starts with FRST again."""
    earlier = session.scalar(
        select(func.count(DirectDebit.id)).where(
            DirectDebit.mandate_id == debit.mandate_id,
            # A returned first collection was never collected: the next one is FRST again.
            DirectDebit.state.in_(
                (DirectDebitState.EXPORTED.value, DirectDebitState.COLLECTED.value)
            ),
            DirectDebit.export_file != file_id,
        )
    )
    first_here = session.scalar(
        select(func.min(DirectDebit.id)).where(
            DirectDebit.mandate_id == debit.mandate_id, DirectDebit.export_file == file_id
        )
    )
    return "FRST" if not earlier and first_here == debit.id else "RCUR"


def last_debit_file() -> str | None:
    """The newest pain.008 file's name, for "all exported already"."""
    return db.session.scalar(
        select(DirectDebit.export_file)
        .where(DirectDebit.export_file.is_not(None))
        .order_by(DirectDebit.id.desc())
        .limit(1)
    )


def direct_debit_file(*, clerk: str | None = None) -> tuple[str, bytes, int] | None:
    """A pain.008 file with every requested collection; marks them exported. Returns (file
    name, content, number of collections), or None if none waits. Two clerks asking at once
    put each collection into one file only (claimed by a conditional update)."""
    config = current_app.config
    file_id = f"LAST-{utcnow():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
    with db.transaction() as session:
        revoked = select(SepaMandate.id).where(SepaMandate.revoked_at.is_not(None))
        session.execute(
            update(DirectDebit)
            .where(
                DirectDebit.state == DirectDebitState.REQUESTED.value,
                # A return made the mandate unusable: its collections would only come back.
                DirectDebit.mandate_id.not_in(revoked),
            )
            .values(state=DirectDebitState.EXPORTED.value, export_file=file_id)
        )
        rows = session.execute(
            select(DirectDebit, SepaMandate, Receivable)
            .join(SepaMandate, SepaMandate.id == DirectDebit.mandate_id)
            .join(Receivable, Receivable.id == DirectDebit.receivable_id)
            .where(DirectDebit.export_file == file_id)
            .order_by(DirectDebit.id)
        ).all()
        if not rows:
            return None
        creditor = {
            "name": str(config["PAYEE_NAME"])[:70],
            "IBAN": str(config["PAYEE_IBAN"]).replace(" ", ""),
            "batch": True,
            "creditor_id": str(config["SEPA_CREDITOR_ID"]),
            "currency": "EUR",
        }
        if config.get("PAYEE_BIC"):
            creditor["BIC"] = str(config["PAYEE_BIC"])
        sepa = SepaDD(creditor, schema=SCHEMA, clean=True)
        for debit, mandate, receivable in rows:
            sepa.add_payment(
                {
                    "name": mandate.debtor_name,
                    "IBAN": mandate.debtor_iban,
                    "amount": debit.amount_cents,
                    "type": _sequence(session, debit, file_id),
                    "collection_date": debit.collection_date,
                    "mandate_id": mandate.reference,
                    "mandate_date": mandate.signed_on,
                    "description": f"{receivable.kassenzeichen} {receivable.description}",
                    "endtoend_id": f"LAST-{debit.id}",
                }
            )
        # Checked against the schema: a file the bank would refuse is never handed out.
        content: bytes = sepa.export(validate=True, pretty_print=True)
    log.info(
        "direct debit file",
        extra={"file": file_id, "collections": len(rows), "clerk": clerk},
    )
    return f"{file_id}.xml", content, len(rows)
