"""A confirmation's PDF receipt is drawn by the outbox's sender, not in the citizen's request
(issue 17): the submission queues the mail with where its receipt comes from, the first attempt
draws it and keeps it with the mail, every attempt sends that same file, and a receipt that
cannot be drawn keeps the mail for another attempt instead of losing it. The mail server is
aiosmtpd."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import delete

from server.db import utcnow
from server.extensions import db
from server.forms.models import FormSubmission
from server.mail.outbox import send_pending
from tests.checking_client import checking_client
from tests.conftest import empty_all_tables, free_port, make_test_app
from tests.integration.fines.test_fines_hearing import pdf_text
from tests.integration.forms.test_status_anywhere import mails_to, send_kita
from tests.peers.smtp.fixtures import running_smtp

PARENTS = "eltern@example.de"


@pytest.fixture
def app(backend: str) -> Iterator[Flask]:
    """The portal with its mail going to a port where the test starts aiosmtpd when it wants
    the mail server up."""
    app = make_test_app(
        backend, MAIL_BACKEND="smtp", MAIL_SMTP_PORT=free_port(), MAIL_SMTP_STARTTLS=False
    )
    yield app
    with app.app_context():
        db.engine.dispose()
    empty_all_tables(backend)


def _attachment(message: EmailMessage) -> tuple[str | None, bytes]:
    [part] = list(message.iter_attachments())
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return part.get_filename(), payload


def test_the_receipt_is_drawn_by_the_sender_and_every_attempt_sends_the_same_file(
    app: Flask, tmp_path: Path
) -> None:
    reference = send_kita(checking_client(app), eltern_email=PARENTS)
    (queued,) = mails_to(app, PARENTS)
    assert queued.attachment is None  # the citizen's request did not draw it
    assert queued.attachment_name == f"eingangsbestaetigung-{reference}.pdf"

    # The mail server is down: the first attempt draws the receipt and keeps it.
    with app.app_context():
        assert send_pending() == (0, 1)
    (kept,) = mails_to(app, PARENTS)
    assert kept.sent_at is None
    assert kept.attachment is not None
    assert reference in pdf_text(kept.attachment)

    with running_smtp(tmp_path, port=app.config["MAIL_SMTP_PORT"]) as server:
        with app.app_context():
            assert send_pending(now=utcnow() + timedelta(minutes=2)) == (1, 0)
        [message] = server.messages()
    assert _attachment(message) == (f"eingangsbestaetigung-{reference}.pdf", kept.attachment)


def test_a_receipt_that_cannot_be_drawn_keeps_the_mail_for_another_attempt(
    app: Flask, tmp_path: Path
) -> None:
    send_kita(checking_client(app), eltern_email=PARENTS)
    with app.app_context():
        # What the receipt is drawn from is gone (as if deleted before the sender came).
        db.session.execute(delete(FormSubmission))
        db.session.commit()
    with running_smtp(tmp_path, port=app.config["MAIL_SMTP_PORT"]) as server:
        with app.app_context():
            assert send_pending() == (0, 1)
        assert server.messages() == []
    (mail,) = mails_to(app, PARENTS)
    assert mail.sent_at is None
    assert mail.failed_at is None  # tried again after its pause, until MAIL_GIVE_UP_HOURS
    assert mail.next_attempt_at is not None
    assert "form-receipt" in (mail.last_error or "")
