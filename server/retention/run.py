"""The daily retention run: every kind in turn, what is due deleted, one audit entry per kind
with the counts (never what was deleted). Idempotent: a second run, or a second server running
at the same time, finds nothing left or leaves alone what the other took."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from server.appointments.retention import purge
from server.audit import log as audit
from server.db import utcnow
from server.extensions import db
from server.logs import get_logger
from server.mail.retention import forget
from server.retention.deleter import DELETERS, Deleted, delete_audit_entries
from server.retention.finders import FINDERS
from server.retention.policy import Kind, mail_cutoff, year_cutoff

log = get_logger("retention")

AUDIT_ACTION = "retention.run"
AUDIT_RECORD = "retention"


@dataclass(frozen=True)
class KindResult:
    kind: Kind
    deleted: int  # records removed (appointments: holds never confirmed; mails: failed ones)
    files: int  # stored files removed with them
    failed: int = 0  # due, but the deletion failed: tried again on the next run
    # Appointments made nameless (the row stays for the statistics), sent mails blanked.
    anonymised: int = 0

    def detail(self) -> str:
        return (
            f"deleted={self.deleted} files={self.files} failed={self.failed} "
            f"anonymised={self.anonymised}"
        )


@dataclass(frozen=True)
class RunReport:
    at: datetime
    results: tuple[KindResult, ...]

    def result(self, kind: Kind) -> KindResult:
        return next(r for r in self.results if r.kind is kind)


def _delete_each(kind: Kind, cutoff: datetime) -> KindResult:
    ids = list(db.session.scalars(FINDERS[kind](cutoff).order_by(None)))
    db.session.rollback()  # end the read: each deletion is its own transaction
    deleted, files, failed = 0, 0, 0
    for key in sorted(ids):
        try:
            done = DELETERS[kind](key, cutoff)
        except Exception:
            # One record's failure (the storage unreachable, a lock not granted in time)
            # stops neither the others nor the other kinds; it stays due for the next run.
            db.session.rollback()
            failed += 1
            log.exception("retention: deletion failed", extra={"kind": kind.value, "id": key})
            continue
        deleted += done.records
        files += done.files
    return KindResult(kind, deleted, files, failed)


def _run_kind(kind: Kind, now: datetime) -> KindResult:
    if kind is Kind.APPOINTMENTS:
        # The appointments area's own purge, on its own periods and the current time.
        purged = purge()
        return KindResult(kind, purged.deleted, 0, anonymised=purged.anonymised)
    if kind is Kind.MAILS:
        # The mail area's own rule: sent mails blanked (the row keeps its dedupe key).
        forgotten = forget(mail_cutoff(now))
        return KindResult(kind, forgotten.deleted, 0, anonymised=forgotten.blanked)
    if kind is Kind.AUDIT_ENTRIES:
        done: Deleted = delete_audit_entries(year_cutoff(kind, now))
        return KindResult(kind, done.records, 0)
    return _delete_each(kind, year_cutoff(kind, now))


def run_due(now: datetime | None = None) -> RunReport:
    """Delete what is due at ``now`` (default: the current time) in every kind; needs an app
    context. The appointments' purge always uses the current time."""
    moment = now or utcnow()
    results = []
    for kind in Kind:
        try:
            result = _run_kind(kind, moment)
        except Exception:
            db.session.rollback()
            log.exception("retention: kind failed", extra={"kind": kind.value})
            result = KindResult(kind, 0, 0, failed=1)
        audit.record_now("system", AUDIT_ACTION, AUDIT_RECORD, kind.value, result.detail())
        log.info("retention run", extra={"kind": kind.value, "counts": result.detail()})
        results.append(result)
    return RunReport(moment, tuple(results))
