"""Telling a citizen: a mail to the address they gave and an entry in their account's message
box (*Postfach*), written in the caller's transaction, so that a notice exists exactly if what
it reports does."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from server.extensions import db
from server.mail.models import PostfachMessage
from server.mail.outbox import queue_mail

POSTFACH_SHOWN = 50  # the account page lists the newest; older ones are rarely looked for


@dataclass(frozen=True)
class Notice:
    subject: str
    body: str
    link: str | None = None  # the page the notice is about, absolute
    attachment_name: str | None = None
    attachment: bytes | None = None
    attachment_source: str | None = None  # drawn when the mail is sent (attachments.later)


def tell(notice: Notice, *, recipient: str | None, citizen_id: int | None) -> None:
    """Mail ``notice`` to ``recipient`` and put it into the Postfach of ``citizen_id``, each
    where given."""
    if recipient:
        queue_mail(
            recipient=recipient,
            subject=notice.subject,
            body=notice.body,
            attachment_name=notice.attachment_name,
            attachment=notice.attachment,
            attachment_source=notice.attachment_source,
        )
    if citizen_id is not None:
        put_in_postfach(notice, citizen_id=citizen_id, mailed=bool(recipient))


def put_in_postfach(notice: Notice, *, citizen_id: int, mailed: bool) -> None:
    """Only the account's copy (the mail, if any, was queued by the caller)."""
    db.session.add(
        PostfachMessage(
            citizen_id=citizen_id,
            subject=notice.subject[:200],
            body=notice.body,
            link=notice.link[:500] if notice.link else None,
            mailed=mailed,
        )
    )


def postfach_of(citizen_id: int) -> list[PostfachMessage]:
    """Newest first."""
    return list(
        db.session.scalars(
            select(PostfachMessage)
            .where(PostfachMessage.citizen_id == citizen_id)
            .order_by(PostfachMessage.created_at.desc(), PostfachMessage.id.desc())
            .limit(POSTFACH_SHOWN)
        )
    )
