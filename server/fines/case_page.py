"""What the citizen's case page shows, read in one statement (issue 17): the case with its
offence, its receivable and that receivable's sums, the statement the case stands on, the ids of
the evidence photos, and whether anything was paid back. Asked one by one these were six round
trips to the database (each with its own wait on PostgreSQL), for a page every letter opens.

The refunds themselves are read only for the few receivables that have any. Everything comes
from one snapshot, so the page never shows a balance of another moment than its case. The
columns the page shows become plain values (``server.fines.shown``), not ORM objects: loading
four of those was a fifth of the page's time."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, bindparam, cast, exists, func, literal_column, select

from server.extensions import db
from server.fines.cases import normalise_aktenzeichen
from server.fines.models import FineCase, HearingStatement, Offence, Upload
from server.fines.shown import ShownCase, ShownOffence, ShownReceivable, ShownStatement
from server.payments.journal import Balance, balance_columns, balance_from_sums
from server.payments.models import Booking, Receivable, Refund
from server.prepared_reads import PreparedRead


@dataclass(frozen=True)
class CasePage:
    case: ShownCase
    receivable: ShownReceivable | None
    balance: Balance | None  # None without a receivable
    statement: ShownStatement | None  # the last one received
    evidence_ids: tuple[int, ...]  # oldest first
    has_refunds: bool


# The columns the page shows, each labelled: the case's, its offence's, the last statement's and
# the receivable's share names (id, kind, amount_cents).
_COLUMNS = (
    FineCase.id.label("case_id"),
    FineCase.aktenzeichen,
    FineCase.kind.label("case_kind"),
    FineCase.status,
    FineCase.offence_at,
    FineCase.place,
    FineCase.plate,
    FineCase.amount_cents.label("case_amount_cents"),
    FineCase.deadline,
    Offence.number.label("offence_number"),
    Offence.text.label("offence_text"),
    Offence.legal_basis,
    HearingStatement.id.label("statement_id"),
    HearingStatement.kind.label("statement_kind"),
    HearingStatement.received_at,
    Receivable.id.label("receivable_id"),
    Receivable.kassenzeichen,
    Receivable.amount_cents.label("receivable_amount_cents"),
    Receivable.closed_at,
    Receivable.closed_reason,
)


# What the balance's three sums are called in the row (``balance_columns``' order).
_SUMS = ("paid", "written_off", "cancelled")


@functools.cache
def _case_page() -> PreparedRead:
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
    return PreparedRead(
        select(
            *_COLUMNS,
            *(total.label(name) for total, name in zip(sums, _SUMS, strict=True)),
            evidence.label("evidence"),
            refunded.label("refunded"),
        )
        .join(Offence, Offence.id == FineCase.offence_id)
        .outerjoin(Receivable, Receivable.id == FineCase.receivable_id)
        .outerjoin(
            HearingStatement,
            (HearingStatement.case_id == FineCase.id) & (HearingStatement.id == latest),
        )
        .where(FineCase.aktenzeichen == bindparam("aktenzeichen"))
    )


def read_case_page(aktenzeichen: str) -> CasePage | None:
    """None for an unknown Aktenzeichen. One statement on a connection of its own, outside
    the request's ORM session (``db.single_reads``): on PostgreSQL one statement reads one
    snapshot by itself."""
    row = _case_page().first(
        db.single_reads, {"aktenzeichen": normalise_aktenzeichen(aktenzeichen)}
    )
    if row is None:
        return None
    receivable = (
        ShownReceivable(
            id=row.receivable_id,
            kassenzeichen=row.kassenzeichen,
            amount_cents=row.receivable_amount_cents,
            closed_at=row.closed_at,
            closed_reason=row.closed_reason,
        )
        if row.receivable_id is not None
        else None
    )
    evidence_ids = sorted(int(number) for number in row.evidence.split(",")) if row.evidence else []
    return CasePage(
        case=ShownCase(
            id=row.case_id,
            aktenzeichen=row.aktenzeichen,
            kind=row.case_kind,
            status=row.status,
            offence=ShownOffence(
                number=row.offence_number, text=row.offence_text, legal_basis=row.legal_basis
            ),
            offence_at=row.offence_at,
            place=row.place,
            plate=row.plate,
            amount_cents=row.case_amount_cents,
            deadline=row.deadline,
        ),
        receivable=receivable,
        balance=(
            balance_from_sums(receivable, row.paid, row.written_off, row.cancelled)
            if receivable is not None
            else None
        ),
        statement=(
            ShownStatement(
                id=row.statement_id, kind=row.statement_kind, received_at=row.received_at
            )
            if row.statement_id is not None
            else None
        ),
        evidence_ids=tuple(evidence_ids),
        has_refunds=bool(row.refunded),
    )
