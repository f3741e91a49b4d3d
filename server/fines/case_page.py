"""What the citizen's case page shows, read in one statement (issue 17): the case with its
offence, its receivable and that receivable's sums, the statement the case stands on, the ids of
the evidence photos, and whether anything was paid back. Asked one by one these were six round
trips to the database (each with its own wait on PostgreSQL), for a page every letter opens.

The refunds themselves are read only for the few receivables that have any. Everything comes
from one snapshot, so the page never shows a balance of another moment than its case."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, String, bindparam, cast, exists, func, literal_column, select

from server.extensions import db
from server.fines.cases import normalise_aktenzeichen
from server.fines.models import FineCase, HearingStatement, Upload
from server.payments.journal import Balance, balance_columns, balance_from_sums
from server.payments.models import Booking, Receivable, Refund


@dataclass(frozen=True)
class CasePage:
    case: FineCase
    receivable: Receivable | None
    balance: Balance | None  # None without a receivable
    statement: HearingStatement | None  # the last one received
    evidence_ids: tuple[int, ...]  # oldest first
    has_refunds: bool


@functools.cache
def _case_page() -> Select[Any]:
    """Built once per process; the sums, the latest statement and the evidence are subqueries
    of the case's row, each found by its index (tests/integration/operations/test_query_plans)."""
    sums = [
        select(column)
        .where(Booking.receivable_id == Receivable.id)
        .correlate(Receivable)
        .scalar_subquery()
        for column in balance_columns()
    ]
    latest = (
        select(func.max(HearingStatement.id))
        .where(HearingStatement.case_id == FineCase.id)
        .correlate(FineCase)  # not the statement it is compared with
        .scalar_subquery()
    )
    # The separator written into the SQL: as a value SQLAlchemy would put it into the
    # statement's text anew at every execution (it renders it with ``literal_execute``).
    comma: Any = literal_column("','")
    evidence = (
        select(func.aggregate_strings(cast(Upload.id, String), comma))
        .where(Upload.case_id == FineCase.id, Upload.evidence.is_(True))
        .correlate(FineCase)
        .scalar_subquery()
    )
    refunded = exists().where(Refund.receivable_id == Receivable.id).correlate(Receivable)
    return (
        select(FineCase, Receivable, HearingStatement, *sums, evidence, refunded)
        .outerjoin(Receivable, Receivable.id == FineCase.receivable_id)
        .outerjoin(
            HearingStatement,
            (HearingStatement.case_id == FineCase.id) & (HearingStatement.id == latest),
        )
        .where(FineCase.aktenzeichen == bindparam("aktenzeichen"))
    )


def read_case_page(aktenzeichen: str) -> CasePage | None:
    """None for an unknown Aktenzeichen."""
    row = db.session.execute(
        _case_page(), {"aktenzeichen": normalise_aktenzeichen(aktenzeichen)}
    ).first()
    if row is None:
        return None
    case, receivable, statement, paid, written_off, cancelled, evidence, refunded = row
    evidence_ids = sorted(int(number) for number in evidence.split(",")) if evidence else []
    return CasePage(
        case=case,
        receivable=receivable,
        balance=(
            balance_from_sums(receivable, paid, written_off, cancelled) if receivable else None
        ),
        statement=statement,
        evidence_ids=tuple(evidence_ids),
        has_refunds=bool(refunded),
    )
