"""Deleting one due record with its stored files, safe beside the portal and beside a second
server running the same job.

Each deletion is one transaction: it takes the record's row lock (``lock_row``; the row the
area's own state changes take too), asks the finder again whether this record is still due
(a record that changed meanwhile, or that the other server deleted already, is left alone),
removes the files from the storage (local disk or S3, through ``server.files.storage``) and
then the rows, by a ``DELETE`` that names the record and lets the database's cascades take
what hangs on it. Files go before the rows and inside the lock: if the storage fails, the
transaction rolls back and the record, still due, is tried again on the next run; no stored
file is ever left behind without the row that names it. Removing a file that is gone already
succeeds (both storages), so a retried deletion finishes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, delete, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from server.audit.models import AuditEntry
from server.db import lock_row
from server.extensions import db
from server.files.storage import storage
from server.fines.hearing import delete_case, uploads_of_case
from server.fines.models import FineCase, HearingStatement, Upload
from server.fines.uploads import key_of
from server.forms.models import FormSubmission, FormUpload
from server.payments.models import Booking, Clarification, OnlinePayment, Receivable, Refund
from server.retention.finders import FINDERS, audit_entries
from server.retention.policy import Kind

# Audit entries never change: they go in batches of this many, without row locks.
AUDIT_BATCH = 5000


@dataclass(frozen=True)
class Deleted:
    records: int
    files: int


NOTHING = Deleted(0, 0)


def _still_due(
    session: Session, kind: Kind, cutoff: datetime, column: InstrumentedAttribute[int], key: int
) -> bool:
    query: Select[int] = FINDERS[kind](cutoff)
    return bool(session.scalar(select(query.where(column == key).exists())))


def _remove_files(keys: Iterable[str]) -> int:
    """A storage error raises: the caller's transaction rolls back, the record stays due."""
    removed = 0
    for key in keys:
        storage().delete(key)
        removed += 1
    return removed


def delete_hearing_statement(statement_id: int, cutoff: datetime) -> Deleted:
    """A statement with its attachments; the case stays (its own, longer period). The case's
    row is the lock: a decision on the case takes it too."""
    case_id = db.session.scalar(
        select(HearingStatement.case_id).where(HearingStatement.id == statement_id)
    )
    # The transaction starts with the lock: on SQLite a transaction that read before it
    # writes fails at once when another writer came in between, instead of waiting.
    db.session.rollback()
    if case_id is None:
        return NOTHING
    with db.transaction() as session:
        if lock_row(session, FineCase, case_id) is None:
            return NOTHING
        if not _still_due(
            session, Kind.HEARING_STATEMENTS, cutoff, HearingStatement.id, statement_id
        ):
            return NOTHING
        uploads = session.scalars(select(Upload).where(Upload.statement_id == statement_id))
        files = _remove_files([key_of(upload) for upload in uploads])
        # The attachments' rows go by ON DELETE CASCADE.
        session.execute(delete(HearingStatement).where(HearingStatement.id == statement_id))
    return Deleted(1, files)


def delete_fine_case(case_id: int, cutoff: datetime) -> Deleted:
    """A case with its history, statements, evidence photos and attachments, by the fines
    area's own ``delete_case``. Its files are removed here first so that a storage error keeps
    the case (``delete_case`` logs such an error and goes on, as a clerk's deletion should)."""
    with db.transaction() as session:
        case = lock_row(session, FineCase, case_id)
        if case is None or not _still_due(session, Kind.FINE_CASES, cutoff, FineCase.id, case_id):
            return NOTHING
        files = _remove_files([key_of(upload) for upload in uploads_of_case(case)])
        # The case against the named driver outlives the case it was forwarded from.
        session.execute(
            update(FineCase)
            .where(FineCase.forwarded_from_id == case_id)
            .values(forwarded_from_id=None)
            .execution_options(synchronize_session=False)
        )
        delete_case(case)  # commits this transaction
    return Deleted(1, files)


def delete_submission(submission_id: int, cutoff: datetime, kind: Kind) -> Deleted:
    """A submission (certificate order or other form) with its files, history and facets.

    Not by ``server.forms.submissions.delete_submission``: that commits once per file, which
    would give up the lock between the files and let a second server in."""
    with db.transaction() as session:
        if lock_row(session, FormSubmission, submission_id) is None:
            return NOTHING
        if not _still_due(session, kind, cutoff, FormSubmission.id, submission_id):
            return NOTHING
        keys = session.scalars(
            select(FormUpload.storage_key).where(FormUpload.submission_id == submission_id)
        )
        files = _remove_files(list(keys))
        # Uploads, status events and facets go by ON DELETE CASCADE.
        session.execute(delete(FormSubmission).where(FormSubmission.id == submission_id))
    return Deleted(1, files)


def delete_receivable(receivable_id: int, cutoff: datetime) -> Deleted:
    """A settled receivable with its journal: refunds, decided clarifications, online
    payments, bookings. The row lock is the one every booking takes (``journal.book``), so a
    payment arriving now either books before (and the receivable is no longer due) or finds
    no receivable (and becomes a clarification, as for any unknown reference)."""
    with db.transaction() as session:
        if lock_row(session, Receivable, receivable_id) is None:
            return NOTHING
        if not _still_due(session, Kind.JOURNAL, cutoff, Receivable.id, receivable_id):
            return NOTHING
        clarifications = select(Clarification.id).where(
            Clarification.receivable_id == receivable_id
        )
        for statement in (
            delete(Refund).where(
                (Refund.receivable_id == receivable_id)
                | Refund.clarification_id.in_(clarifications)
            ),
            update(Clarification)
            .where(Clarification.suggested_receivable_id == receivable_id)
            .values(suggested_receivable_id=None),
            delete(Clarification).where(Clarification.receivable_id == receivable_id),
            delete(OnlinePayment).where(OnlinePayment.receivable_id == receivable_id),
            # One statement for all bookings: a reversal names the booking it reverses.
            delete(Booking).where(Booking.receivable_id == receivable_id),
            delete(Receivable).where(Receivable.id == receivable_id),
        ):
            session.execute(statement.execution_options(synchronize_session=False))
    return Deleted(1, 0)


def delete_audit_entries(cutoff: datetime) -> Deleted:
    """All due entries, a batch per transaction. Two servers at once delete disjoint or
    already deleted rows: each counts what its statements removed."""
    total = 0
    while True:
        with db.transaction() as session:
            batch = audit_entries(cutoff).order_by(AuditEntry.id).limit(AUDIT_BATCH)
            removed = session.execute(
                delete(AuditEntry)
                .where(AuditEntry.id.in_(batch.scalar_subquery()))
                .execution_options(synchronize_session=False)
            )
        count = int(getattr(removed, "rowcount", 0) or 0)
        total += count
        if count < AUDIT_BATCH:
            return Deleted(total, 0)


OneDeleter = Callable[[int, datetime], Deleted]

DELETERS: dict[Kind, OneDeleter] = {
    Kind.HEARING_STATEMENTS: delete_hearing_statement,
    Kind.FINE_CASES: delete_fine_case,
    Kind.CERTIFICATE_ORDERS: lambda key, cutoff: delete_submission(
        key, cutoff, Kind.CERTIFICATE_ORDERS
    ),
    Kind.FORM_SUBMISSIONS: lambda key, cutoff: delete_submission(
        key, cutoff, Kind.FORM_SUBMISSIONS
    ),
    Kind.JOURNAL: delete_receivable,
}
