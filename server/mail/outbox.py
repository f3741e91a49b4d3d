"""Queueing and delivering mail. Delivery goes through the configured transport
(``server.mail.transports``): SMTP in production, files in development, so the demo never sends
real mail and a tester can open what would have been sent.

The outbox is the source of truth: a mail is sent by the job ``outbox-send`` (every minute, and
asked for as soon as a transaction that queued a mail commits), by ``portal mail send`` or by a
test, in any number of processes at once. Each mail is claimed before it is handed to the
transport (a conditional update, committed: one sender wins), so it leaves once; a sender that
dies mid-delivery leaves the claim to lapse and the mail is tried again after ``CLAIM``.
"""

from __future__ import annotations

import mimetypes
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import ColumnElement, or_, select, update

from server.db import utcnow
from server.extensions import db
from server.jobs.wakeup import request_run
from server.logs import get_logger
from server.mail.models import OutboxMail
from server.mail.transports import DELIVERY_ERRORS, transport

log = get_logger("mail")
MAX_ATTEMPTS = 5
#: The job that sends the outbox (registered in ``server.mail.setup``).
OUTBOX_JOB = "outbox-send"
#: How long a claimed mail is left to its sender (SMTP gives up after 30 s per step).
CLAIM = timedelta(minutes=10)
#: The pause after the n-th failed attempt: a mail server down for an hour loses no mail.
RETRY_PAUSES = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
)


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
    request_run(OUTBOX_JOB)  # sent within seconds of the commit, not at the next tick
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


def _due(now: datetime) -> ColumnElement[bool]:
    return (
        OutboxMail.sent_at.is_(None)
        & (OutboxMail.attempts < MAX_ATTEMPTS)
        & or_(OutboxMail.next_attempt_at.is_(None), OutboxMail.next_attempt_at <= now)
    )


def _claim(mail_id: int, now: datetime) -> bool:
    """Take the mail for one attempt, or learn that another sender has it (or sent it)."""
    with db.transaction() as session:
        claimed = session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == mail_id, _due(now))
            .values(attempts=OutboxMail.attempts + 1, next_attempt_at=now + CLAIM)
            .execution_options(synchronize_session=False)
        )
    return bool(getattr(claimed, "rowcount", 0) == 1)


def _pause_after(attempts: int) -> timedelta:
    return RETRY_PAUSES[min(attempts, len(RETRY_PAUSES)) - 1]


def send_pending(now: datetime | None = None) -> tuple[int, int]:
    """Deliver what is due at ``now`` (default: the current time); returns (sent, failed).
    A failed mail is tried again after a pause (``RETRY_PAUSES``), at most ``MAX_ATTEMPTS``
    times."""
    moment = now or utcnow()
    sent = failed = 0
    waiting = list(
        db.session.scalars(select(OutboxMail.id).where(_due(moment)).order_by(OutboxMail.id))
    )
    db.session.commit()  # no transaction held while the mail server answers
    sender = transport()
    for mail_id in waiting:
        if not _claim(mail_id, moment):
            continue  # another sender has it
        mail = db.session.get_one(OutboxMail, mail_id, populate_existing=True)
        message, attempts = _message(mail), mail.attempts
        db.session.commit()
        try:
            sender.deliver(message, mail_id=mail_id)
        except DELIVERY_ERRORS as error:
            outcome = {
                "last_error": str(error)[:500],
                "next_attempt_at": moment + _pause_after(attempts),
            }
            failed += 1
            log.warning("mail not sent", extra={"mail": mail_id, "error": str(error)})
        else:
            outcome = {"sent_at": utcnow(), "next_attempt_at": None}
            sent += 1
        with db.transaction() as session:
            session.execute(
                update(OutboxMail)
                .where(OutboxMail.id == mail_id)
                .values(**outcome)
                .execution_options(synchronize_session=False)
            )
        db.session.expire(mail)
    return sent, failed


def send_job() -> dict[str, int]:
    """The job ``outbox-send``."""
    sent, failed = send_pending()
    return {"sent": sent, "failed": failed}


def recent_mails(limit: int = 50) -> list[OutboxMail]:
    """The newest mails first (for the development mail page)."""
    return list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id.desc()).limit(limit)))
