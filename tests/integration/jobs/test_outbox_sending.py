"""The outbox stays the source of truth when it is sent by the job, by ``portal mail send`` from
an old cron line and by a wake-up at once: each mail is claimed before it is handed over, so it
leaves once; a failed one waits its pause."""

from __future__ import annotations

import smtplib
import threading
import time
from collections import Counter
from datetime import timedelta
from email.message import EmailMessage

from flask import Flask
from sqlalchemy import select, update

from server.db import utcnow
from server.extensions import db
from server.mail.models import OutboxMail
from server.mail.outbox import CLAIM, pause_after, queue_mail, send_pending
from tests.threads import Wait, together


class Recording:
    """A transport that takes its time and remembers what it delivered."""

    name = "recording"

    def __init__(self, *, fail: bool = False) -> None:
        self.delivered: Counter[int] = Counter()
        self.fail = fail
        self._lock = threading.Lock()

    def deliver(self, message: EmailMessage, *, mail_id: int) -> None:
        time.sleep(0.05)
        if self.fail:
            raise smtplib.SMTPServerDisconnected("Verbindung verloren")
        with self._lock:
            self.delivered[mail_id] += 1


def queue(app: Flask, count: int) -> list[int]:
    with app.app_context():
        with db.transaction():
            mails = [
                queue_mail(recipient=f"b{n}@example.org", subject="Eingang", body="Text")
                for n in range(count)
            ]
        return [mail.id for mail in mails]


def test_two_senders_at_once_send_each_mail_once(app: Flask) -> None:
    ids = queue(app, 6)
    transport = Recording()
    app.extensions["mail_transport"] = transport

    def sender(wait: Wait) -> tuple[int, int]:
        with app.app_context():
            wait()
            return send_pending()

    results = together([sender, sender, sender])
    assert sum(sent for sent, _failed in results) == 6
    assert transport.delivered == Counter(dict.fromkeys(ids, 1))
    with app.app_context():
        rows = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
        assert [(row.attempts, row.sent_at is not None) for row in rows] == [(1, True)] * 6


def test_a_failed_mail_waits_its_pause_then_is_tried_again(app: Flask) -> None:
    [mail_id] = queue(app, 1)
    app.extensions["mail_transport"] = Recording(fail=True)
    with app.app_context():
        assert send_pending() == (0, 1)
        assert send_pending() == (0, 0)  # in its pause: a wake-up a second later waits
        later = utcnow() + pause_after(1) + timedelta(seconds=1)
        app.extensions["mail_transport"] = working = Recording()
        assert send_pending(now=later) == (1, 0)
        row = db.session.get_one(OutboxMail, mail_id, populate_existing=True)
        assert row.attempts == 2
        assert row.sent_at is not None
        assert row.last_error == "Verbindung verloren"
    assert working.delivered == Counter({mail_id: 1})


def test_the_claim_of_a_sender_that_died_lapses(app: Flask) -> None:
    [mail_id] = queue(app, 1)
    app.extensions["mail_transport"] = transport = Recording()
    with app.app_context():
        with db.transaction() as session:  # claimed by a sender that never came back
            session.execute(
                update(OutboxMail)
                .where(OutboxMail.id == mail_id)
                .values(attempts=1, next_attempt_at=utcnow() + CLAIM)
            )
        assert send_pending() == (0, 0)
        assert send_pending(now=utcnow() + CLAIM + timedelta(seconds=1)) == (1, 0)
    assert transport.delivered == Counter({mail_id: 1})
