"""Writing and reading the audit log. There is no function to change or remove an entry.

What goes in: who (a clerk's username, a citizen's id, the system), what (a short action
name), which record (type and id) and a short detail. Never passwords, access codes, tokens or
the content of statements: the log must be safe to show to administrators.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from server.audit.models import AuditEntry
from server.extensions import db
from server.formatting import city_day_start

PAGE_SIZE = 200


def record(actor: str, action: str, record_type: str, record_id: object, detail: str = "") -> None:
    """Add an entry to the caller's transaction (it is written exactly if the action is)."""
    db.session.add(
        AuditEntry(
            actor=actor[:80],
            action=action[:64],
            record_type=record_type[:32],
            record_id=str(record_id)[:64],
            detail=detail[:1000],
        )
    )


def record_now(
    actor: str, action: str, record_type: str, record_id: object, detail: str = ""
) -> None:
    """An entry of its own (for actions that change nothing else, such as reading)."""
    with db.transaction():
        record(actor, action, record_type, record_id, detail)


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    record: str = ""  # "type:id" or just an id
    day_from: date | None = None
    day_to: date | None = None


def search(criteria: AuditFilter) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(PAGE_SIZE)
    if criteria.actor:
        query = query.where(AuditEntry.actor.contains(criteria.actor))
    if criteria.action:
        query = query.where(AuditEntry.action == criteria.action)
    if criteria.record:
        kind, _, ident = criteria.record.rpartition(":")
        query = query.where(AuditEntry.record_id == ident)
        if kind:
            query = query.where(AuditEntry.record_type == kind)
    if criteria.day_from:
        query = query.where(AuditEntry.at >= city_day_start(criteria.day_from))
    if criteria.day_to:
        query = query.where(AuditEntry.at < city_day_start(criteria.day_to + timedelta(days=1)))
    return list(db.session.scalars(query))


def actions() -> list[str]:
    return list(
        db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    )
