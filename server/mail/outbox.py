"""Queueing and delivering mail. Delivery goes through the configured transport
(``server.mail.transports``): SMTP in production, files in development, so the demo never sends
real mail and a tester can open what would have been sent.

A mail the server does not take is tried again after a pause growing with its attempts
(``MAIL_RETRY_MINUTES``): a mail server down for an hour loses no mail. One the server has not
taken within ``MAIL_GIVE_UP_HOURS``, or whose recipient it refuses for good (5xx), is marked
failed: admins see it in the Postausgang (``server.backoffice.outbox``, rules in
``server.mail.failures``) and may send it again.

The outbox is the source of truth: a mail is sent by the job ``outbox-send`` (every minute, and
asked for as soon as a transaction that queued a mail commits), by ``portal mail send`` or by a
test, in any number of processes at once. Each mail is claimed before it is handed to the
transport (a conditional update, committed: one sender wins), so it leaves once; a sender that
dies mid-delivery leaves the claim to lapse and the mail is tried again after ``CLAIM``.
"""

from __future__ import annotations

import mimetypes
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from flask import current_app
from sqlalchemy import ColumnElement, or_, select, update

from server.db import as_utc, utcnow
from server.extensions import db
from server.jobs.wakeup import request_run
from server.logs import get_logger
from server.mail.attachments import AttachmentUnavailable, make
from server.mail.models import OutboxMail
from server.mail.transports import DELIVERY_ERRORS, transport

log = get_logger("mail")
#: The job that sends the outbox (registered in ``server.mail.setup``).
OUTBOX_JOB = "outbox-send"
#: What ends one attempt without sending: the mail server's answers, or an attachment that could
#: not be drawn (server.mail.attachments).
_ATTEMPT_ERRORS: tuple[type[Exception], ...] = (*DELIVERY_ERRORS, AttachmentUnavailable)
#: How long a claimed mail is left to its sender (SMTP gives up after 30 s per step).
CLAIM = timedelta(minutes=10)


def queue_mail(
    *,
    recipient: str,
    subject: str,
    body: str,
    attachment_name: str | None = None,
    attachment: bytes | None = None,
    attachment_source: str | None = None,
    dedupe_key: str | None = None,
) -> OutboxMail:
    """Add to the caller's transaction: the mail exists exactly if what it reports does. With
    ``dedupe_key`` the database keeps one mail per key (a second raises IntegrityError). An
    ``attachment_source`` (``attachments.later``) is drawn when the mail is sent."""
    mail = OutboxMail(
        recipient=recipient,
        dedupe_key=dedupe_key,
        subject=subject[:200],
        body=body,
        attachment_name=attachment_name,
        attachment=attachment,
        attachment_source=attachment_source,
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
    message["Date"] = format_datetime(as_utc(mail.created_at))
    # The same on every attempt: a mail server (or the recipient's client) that got a mail
    # twice, because the connection broke after it had taken it, can tell.
    domain = config["MAIL_FROM"].rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<outbox.{mail.id}.{as_utc(mail.created_at):%Y%m%d%H%M%S}@{domain}>"
    message.set_content(mail.body)
    if mail.attachment is not None and mail.attachment_name:
        # By the name's extension: receipts are PDFs, appointments calendar files (.ics).
        kind = mimetypes.guess_type(mail.attachment_name)[0] or "application/pdf"
        maintype, subtype = kind.split("/", 1)
        message.add_attachment(
            mail.attachment, maintype=maintype, subtype=subtype, filename=mail.attachment_name
        )
    return message


def _draw_attachment(mail: OutboxMail) -> None:
    """A deferred attachment, drawn once (the claim keeps other senders away)."""
    if mail.attachment is None and mail.attachment_source:
        mail.attachment = make(mail.attachment_source)


def _due(now: datetime) -> ColumnElement[bool]:
    return (
        OutboxMail.sent_at.is_(None)
        & OutboxMail.failed_at.is_(None)
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


def pause_after(attempts: int) -> timedelta:
    """The pause after the ``attempts``-th failed attempt (``MAIL_RETRY_MINUTES``)."""
    pauses: tuple[int, ...] = current_app.config["MAIL_RETRY_MINUTES"]
    return timedelta(minutes=pauses[min(attempts, len(pauses)) - 1])


def give_up_at(mail: OutboxMail) -> datetime:
    """When a mail not sent by then is failed: ``MAIL_GIVE_UP_HOURS`` after it was queued, or
    after an admin sent it again."""
    start = as_utc(mail.retried_at or mail.created_at)
    return start + timedelta(hours=current_app.config["MAIL_GIVE_UP_HOURS"])


def _refused_for_good(error: Exception) -> bool:
    """The server refused every recipient with a permanent (5xx) answer: trying again in an
    hour gets the same answer."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(code >= 500 for code, _ in error.recipients.values())
    return False


def _failure(
    mail_id: int, error: Exception, next_at: datetime, give_up: datetime
) -> dict[str, object]:
    """What a failed attempt changes: the next one, or the mail failed."""
    outcome: dict[str, object] = {"last_error": str(error)[:500]}
    if _refused_for_good(error) or next_at >= give_up:
        outcome.update(failed_at=utcnow(), next_attempt_at=None)
        log.error("mail failed", extra={"mail": mail_id, "error": str(error)})
    else:
        outcome["next_attempt_at"] = next_at
        log.warning("mail not sent", extra={"mail": mail_id, "error": str(error)})
    return outcome


def send_pending(now: datetime | None = None) -> tuple[int, int]:
    """Deliver what is due at ``now`` (default: the current time); returns (sent, not sent).
    A mail not sent is tried again after a pause (``pause_after``) until it is failed
    (``give_up_at``)."""
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
        next_at, give_up = moment + pause_after(mail.attempts), give_up_at(mail)
        outcome: dict[str, object]
        try:
            _draw_attachment(mail)
            message = _message(mail)
            db.session.commit()  # with the attachment drawn: every attempt sends the same file
            sender.deliver(message, mail_id=mail_id)
        except _ATTEMPT_ERRORS as error:
            db.session.rollback()
            outcome = _failure(mail_id, error, next_at, give_up)
            failed += 1
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
