"""Keeping mails no longer than needed (DSGVO Art. 5 (1) e): a sent mail's recipient, text and
attachment are blanked ``MAIL_KEEP_DAYS`` after it left (the row stays: its ``dedupe_key`` keeps
a mail that must go once from going again, e.g. a proof of payment); a failed mail goes whole
that long after it failed (nobody sent it again by then). The retention run calls ``forget``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, or_, select, update
from sqlalchemy.sql import Select

from server.extensions import db
from server.mail.models import OutboxMail

BLANK = ""


@dataclass(frozen=True)
class Forgotten:
    blanked: int  # sent mails whose recipient, text and attachment are gone
    deleted: int  # failed mails removed


def _sent_before(cutoff: datetime) -> ColumnElement[bool]:
    return and_(OutboxMail.sent_at < cutoff, OutboxMail.recipient != BLANK)


def _failed_before(cutoff: datetime) -> ColumnElement[bool]:
    return and_(OutboxMail.sent_at.is_(None), OutboxMail.failed_at < cutoff)


def due(cutoff: datetime) -> Select[int]:
    """What ``forget`` changes at ``cutoff`` (read only, for the report)."""
    return select(OutboxMail.id).where(or_(_sent_before(cutoff), _failed_before(cutoff)))


def forget(cutoff: datetime) -> Forgotten:
    """Idempotent, and safe beside the senders: it touches only mails no sender takes any
    more (sent, or failed and not put back)."""
    with db.transaction() as session:
        blanked = session.execute(
            update(OutboxMail)
            .where(_sent_before(cutoff))
            .values(
                recipient=BLANK,
                body=BLANK,
                attachment=None,
                attachment_name=None,
                attachment_source=None,
                last_error=None,
            )
            .execution_options(synchronize_session=False)
        )
        deleted = session.execute(
            delete(OutboxMail)
            .where(_failed_before(cutoff))
            .execution_options(synchronize_session=False)
        )
    return Forgotten(
        blanked=int(getattr(blanked, "rowcount", 0) or 0),
        deleted=int(getattr(deleted, "rowcount", 0) or 0),
    )
