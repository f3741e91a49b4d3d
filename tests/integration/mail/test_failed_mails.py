"""Mail while the mail server is down or refuses: the outbox keeps every mail and tries again
after growing pauses; one the server has not taken within MAIL_GIVE_UP_HOURS, or whose
recipient it refuses for good, is failed, shown to admins in the Postausgang, and sent again
once however often the button is pressed. The mail server is aiosmtpd."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from sqlalchemy import func, select

from server.audit.models import AuditEntry
from server.auth.roles import Role
from server.db import as_utc, utcnow
from server.extensions import db
from server.mail.models import OutboxMail
from server.mail.outbox import queue_mail, send_pending
from tests.checking_client import CheckingClient, checking_client, csrf_token
from tests.conftest import empty_all_tables, free_port, make_test_app
from tests.factories import make_clerk
from tests.integration.helpers import log_in_clerk
from tests.peers.smtp.fixtures import REFUSING, running_smtp
from tests.peers.smtp.refusing import REFUSED_DOMAIN
from tests.threads import Wait, together

PAGE = "/verwaltung/postausgang/"


@pytest.fixture(autouse=True)
def clean_tables(backend: str) -> Iterator[None]:
    yield
    empty_all_tables(backend)


def _queue(app: Flask, *recipients: str) -> list[int]:
    with app.app_context():
        with db.transaction():
            mails = [
                queue_mail(recipient=address, subject=f"Eingang {n}", body="Text")
                for n, address in enumerate(recipients)
            ]
        return [mail.id for mail in mails]


def _row(app: Flask, mail_id: int) -> OutboxMail:
    with app.app_context():
        row = db.session.get_one(OutboxMail, mail_id)
        db.session.expunge(row)
        return row


def test_a_mail_server_down_keeps_the_mail_until_the_set_time_then_it_is_failed(
    backend: str,
) -> None:
    # Nobody listens on this port: every delivery fails, as with a mail server that is down.
    app = make_test_app(
        backend, MAIL_BACKEND="smtp", MAIL_SMTP_PORT=free_port(), MAIL_GIVE_UP_HOURS=24
    )
    [mail_id] = _queue(app, "b@example.org")
    with app.app_context():
        assert send_pending() == (0, 1)
        assert send_pending() == (0, 0)  # in its pause (MAIL_RETRY_MINUTES: 1 minute first)
    first = _row(app, mail_id)
    assert first.attempts == 1
    assert first.failed_at is None
    assert first.last_error
    assert first.next_attempt_at is not None
    pause = as_utc(first.next_attempt_at) - utcnow()
    assert timedelta(seconds=30) < pause <= timedelta(minutes=1)

    created = as_utc(first.created_at)
    with app.app_context():
        # Down for most of a day: still tried, after pauses of 5, 15, then 60 minutes.
        for hours in (20, 21, 22):
            assert send_pending(now=created + timedelta(hours=hours)) == (0, 1)
    assert _row(app, mail_id).failed_at is None
    with app.app_context():
        # The next pause would end past 24 hours: given up, and not tried any more.
        assert send_pending(now=created + timedelta(hours=23, minutes=30)) == (0, 1)
        assert send_pending(now=created + timedelta(hours=30)) == (0, 0)
    failed = _row(app, mail_id)
    assert failed.failed_at is not None
    assert failed.sent_at is None
    assert failed.attempts == 5


def test_a_recipient_the_server_refuses_for_good_fails_at_once(
    backend: str, tmp_path: Path
) -> None:
    with running_smtp(tmp_path, handler=REFUSING) as server:
        app = make_test_app(backend, **server.portal_settings())
        refused, taken = _queue(app, f"niemand@{REFUSED_DOMAIN}", "b@example.org")
        with app.app_context():
            assert send_pending() == (1, 1)
        [message] = server.messages()
    assert message["To"] == "b@example.org"
    # The same Message-ID on every attempt: a mail taken twice can be told apart.
    assert message["Message-ID"].startswith(f"<outbox.{taken}.")
    assert message["Date"]
    row = _row(app, refused)
    assert row.failed_at is not None
    assert row.attempts == 1
    assert "550" in (row.last_error or "")


def _admin(app: Flask, username: str = "admin") -> CheckingClient:
    make_clerk(app, username=username, roles=[Role.ADMIN])
    client = checking_client(app)
    assert log_in_clerk(client, username).status_code == 302
    return client


def _press(client: CheckingClient, mail_id: int, token: str) -> Callable[[Wait], str]:
    def action(wait: Wait) -> str:
        wait()
        answer = client.post(f"{PAGE}{mail_id}/erneut", data={"csrf_token": token})
        assert answer.status_code == 302
        return str(answer.headers["Location"])

    return action


def test_admins_see_failed_mails_and_send_one_again_once(backend: str, tmp_path: Path) -> None:
    port = free_port()
    app = make_test_app(backend, MAIL_BACKEND="smtp", MAIL_SMTP_PORT=port, MAIL_SMTP_STARTTLS=False)
    [mail_id] = _queue(app, "b@example.org")
    with app.app_context():  # the mail server is down for longer than MAIL_GIVE_UP_HOURS
        assert send_pending() == (0, 1)
        assert send_pending(now=utcnow() + timedelta(days=3)) == (0, 1)
    first, second = _admin(app), _admin(app, "admin2")
    page = first.get(PAGE)
    assert page.status_code == 200
    text = BeautifulSoup(page.text, "lxml").get_text(" ", strip=True)
    assert "b@example.org" in text
    assert "Eingang 0" in text
    assert "Connection refused" in text  # what the mail server (not) said
    tokens = [csrf_token(page), csrf_token(second.get(PAGE))]

    with running_smtp(tmp_path, port=port) as server:  # back, where it was
        # Two admins (or two clicks) at once: the mail goes back into the outbox once.
        answers = together([_press(first, mail_id, tokens[0]), _press(second, mail_id, tokens[1])])
        assert sorted(answers) == [f"{PAGE}?erledigt=erneut", f"{PAGE}?erledigt=schon"]
        with app.app_context():
            assert send_pending() == (1, 0)
            assert send_pending() == (0, 0)
        assert [message["To"] for message in server.messages()] == ["b@example.org"]
    with app.app_context():
        entries = db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "mail.send_again")
        )
    assert entries == 1
    again = _row(app, mail_id)
    assert again.sent_at is not None
    assert again.retried_at is not None
    shown = first.get(f"{PAGE}?erledigt=erneut")
    assert "wieder im Postausgang" in shown.text
    assert "Keine fehlgeschlagenen Mails" in shown.text


def test_the_postausgang_is_for_admins_only(app: Flask) -> None:
    make_clerk(app, username="kasse", roles=[Role.CASH_OFFICE])
    client = checking_client(app)
    assert log_in_clerk(client, "kasse").status_code == 302
    assert client.get(PAGE).status_code == 403
