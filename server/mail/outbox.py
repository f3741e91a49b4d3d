"""Queueing and delivering mail. Delivery goes through the configured transport
(``server.mail.transports``): SMTP in production, files in development, so the demo never sends
real mail and a tester can open what would have been sent."""

from __future__ import annotations

import mimetypes
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from server.db import utcnow
from server.extensions import db
from server.logs import get_logger
from server.mail.models import OutboxMail
from server.mail.transports import DELIVERY_ERRORS, transport

log = get_logger("mail")
MAX_ATTEMPTS = 5


def queue_mail(
    *,
    recipient: str,
    subject: str,
    body: str,
    attachment_name: str | None = None,
    attachment: bytes | None = None,
    dedupe_key: str | None = None,
) -> OutboxMail:
    """Add to the caller's transaction: the mail exists exactly if what it reports does. With
    ``dedupe_key`` the database keeps one mail per key (a second raises IntegrityError)."""
    mail = OutboxMail(
        recipient=recipient,
        dedupe_key=dedupe_key,
        subject=subject[:200],
        body=body,
        attachment_name=attachment_name,
        attachment=attachment,
    )
    db.session.add(mail)
    return mail


def _message(mail: OutboxMail) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message.set_content(mail.body)
    if mail.attachment is not None and mail.attachment_name:
        # By the name's extension: receipts are PDFs, appointments calendar files (.ics).
        kind = mimetypes.guess_type(mail.attachment_name)[0] or "application/pdf"
        maintype, subtype = kind.split("/", 1)
        message.add_attachment(
            mail.attachment, maintype=maintype, subtype=subtype, filename=mail.attachment_name
        )
    return message


def send_pending() -> tuple[int, int]:
    """Deliver what is waiting; returns (sent, failed). Failures are retried next time."""
    sent = failed = 0
    waiting = db.session.scalars(
        select(OutboxMail)
        .where(OutboxMail.sent_at.is_(None), OutboxMail.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMail.id)
    )
    sender = transport()
    for mail in list(waiting):
        with db.transaction():
            mail.attempts += 1
            try:
                sender.deliver(_message(mail), mail_id=mail.id)
            except DELIVERY_ERRORS as error:
                mail.last_error = str(error)[:500]
                failed += 1
                log.warning("mail not sent", extra={"mail": mail.id, "error": str(error)})
            else:
                mail.sent_at = utcnow()
                sent += 1
    return sent, failed


def recent_mails(limit: int = 50) -> list[OutboxMail]:
    """The newest mails first (for the development mail page)."""
    return list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id.desc()).limit(limit)))
