"""Asking for a run now: ``request_run(name)`` inside a unit of work, and once it commits the job
engine is told (procrastinate defers the job; the in-process runner wakes up). The job's data
stays the source of truth: the run only looks at what is committed (the outbox's waiting mails),
so a request lost on the way costs nothing but time, the next scheduled run does the work.

Nothing is asked for when the transaction rolls back."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from server.extensions import db
from server.logs import get_logger

log = get_logger("jobs")

_WANTED = "jobs_wanted"


def request_run(name: str) -> None:
    """Run the job ``name`` soon after the current transaction commits."""
    session = db.session
    if not session.in_transaction():
        session.begin()  # the wish belongs to a transaction: its rollback forgets it
    wanted: set[str] = session.info.setdefault(_WANTED, set())
    wanted.add(name)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    wanted: set[str] | None = session.info.pop(_WANTED, None)
    if not wanted or not has_app_context():
        return
    engine: Any = current_app.extensions.get("jobs_engine")
    if engine is None:
        return
    for name in sorted(wanted):
        try:
            engine.wake(name)
        except Exception:  # the request is a shortcut: the schedule runs the job anyway
            log.warning("job not requested", extra={"job": name}, exc_info=True)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    # Every rollback, also one before any SQL was sent; a savepoint's keeps the wish (its
    # transaction may still commit what asked for it, and a run too many costs nothing).
    if not previous.nested:
        session.info.pop(_WANTED, None)
