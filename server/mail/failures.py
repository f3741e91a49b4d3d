"""The mails the outbox gave up on, for the admins' Postausgang page
(``server.backoffice.outbox``): how many wait, which failed and why, and sending one again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from server.audit.log import record
from server.db import utcnow
from server.extensions import db
from server.jobs.wakeup import request_run
from server.mail.models import OutboxMail
from server.mail.outbox import OUTBOX_JOB

SHOWN = 100
AUDIT_ACTION = "mail.send_again"
AUDIT_RECORD = "mail"


@dataclass(frozen=True)
class Backlog:
    waiting: int  # not sent yet, still tried
    failed: int  # given up: an admin decides
    oldest_waiting: datetime | None


def backlog_counts(session: Session) -> dict[str, int]:
    """Mails not sent, by ``waiting`` and ``failed`` (one grouped count, for /metrics too)."""
    state = case((OutboxMail.failed_at.is_not(None), "failed"), else_="waiting")
    rows = session.execute(
        select(state, func.count()).where(OutboxMail.sent_at.is_(None)).group_by(state)
    )
    return {str(name): int(count) for name, count in rows}


def backlog() -> Backlog:
    counts = backlog_counts(db.session)
    oldest = db.session.scalar(
        select(func.min(OutboxMail.created_at)).where(
            OutboxMail.sent_at.is_(None), OutboxMail.failed_at.is_(None)
        )
    )
    return Backlog(counts.get("waiting", 0), counts.get("failed", 0), oldest)


def failed_mails(limit: int = SHOWN) -> list[OutboxMail]:
    """The failed mails, the latest failure first."""
    return list(
        db.session.scalars(
            select(OutboxMail)
            .where(OutboxMail.failed_at.is_not(None), OutboxMail.sent_at.is_(None))
            .order_by(OutboxMail.failed_at.desc(), OutboxMail.id.desc())
            .limit(limit)
        )
    )


def send_again(mail_id: int, actor: str) -> bool:
    """Put a failed mail back into the outbox, to be sent at once and tried for another
    ``MAIL_GIVE_UP_HOURS``. False when it is not failed (any more): sent, or already put back
    by another click or another admin; only one of them is recorded."""
    with db.transaction() as session:
        changed = session.execute(
            update(OutboxMail)
            .where(
                OutboxMail.id == mail_id,
                OutboxMail.failed_at.is_not(None),
                OutboxMail.sent_at.is_(None),
            )
            .values(failed_at=None, next_attempt_at=None, retried_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        again = bool(getattr(changed, "rowcount", 0) == 1)
        if again:
            record(actor, AUDIT_ACTION, AUDIT_RECORD, mail_id)
            request_run(OUTBOX_JOB)  # sent within seconds of the commit
    return again
