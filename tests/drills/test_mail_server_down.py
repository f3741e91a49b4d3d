"""Drill: the mail server (aiosmtpd) is down, comes back, is killed in the middle of a batch
and comes back again (issue 21).

What must hold: the outbox keeps every mail while nobody takes it, with what went wrong; a
batch cut by the server's death leaves each mail either taken or to be tried again; two
senders at once after the server's return deliver every mail exactly once (each Message-ID
once in the mailbox); a recipient the server refuses for good is failed at once and the admin
sees it in the Postausgang with the server's answer. Mails are sent by ``portal mail send`` as
by the job ``outbox-send``, in processes of their own; ``MAIL_RETRY_MINUTES=0`` stands for the
pauses the drill does not wait out."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import create_engine, select

from server.auth.roles import Role
from server.extensions import db
from server.mail.models import OutboxMail
from server.mail.outbox import queue_mail
from tests.conftest import make_test_app
from tests.drills.clerks import log_in_clerk
from tests.drills.conftest import SECRET_KEY, Serve, production_settings
from tests.drills.processes import PORTAL, PortalProcess, free_port, wait_for
from tests.factories import make_clerk
from tests.peers.smtp.fixtures import REFUSING, SmtpServer, running_smtp
from tests.peers.smtp.refusing import REFUSED_DOMAIN

pytestmark = pytest.mark.drill

CITIZENS = 8
REFUSED = f"niemand@{REFUSED_DOMAIN}"


def send(portal: PortalProcess) -> subprocess.Popen[str]:
    """``portal mail send`` as cron or the job runs it."""
    return subprocess.Popen(
        [str(PORTAL), "mail", "send"],
        env=portal.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finished(sender: subprocess.Popen[str]) -> str:
    output, _ = sender.communicate(timeout=120)
    assert sender.returncode == 0, output[-2000:]
    return output


def outbox(database: str) -> dict[str, tuple[bool, bool, int, str]]:
    """Each mail by recipient: (sent, failed, attempts, last error)."""
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(
                    OutboxMail.recipient,
                    OutboxMail.sent_at,
                    OutboxMail.failed_at,
                    OutboxMail.attempts,
                    OutboxMail.last_error,
                )
            )
            return {
                row.recipient: (
                    row.sent_at is not None,
                    row.failed_at is not None,
                    row.attempts,
                    row.last_error or "",
                )
                for row in rows
            }
    finally:
        engine.dispose()


def received(server: SmtpServer) -> Counter[str]:
    return Counter(str(message["Message-ID"]) for message in server.messages())


def test_mail_survives_a_mail_server_down_and_killed_mid_batch(
    database: str, serve: Serve, drill_folder: Path
) -> None:
    port = free_port()
    portal = serve(
        production_settings(
            database,
            MAIL_BACKEND="smtp",
            MAIL_SMTP_HOST="127.0.0.1",
            MAIL_SMTP_PORT=str(port),
            MAIL_SMTP_STARTTLS="no",
            MAIL_RETRY_MINUTES="0",
        )
    )
    app = make_test_app(database, SECRET_KEY=SECRET_KEY)
    make_clerk(app, username="betrieb", roles=[Role.ADMIN])
    citizens = [f"buerger{n}@example.org" for n in range(CITIZENS)]
    with app.app_context():
        with db.transaction():
            for address in [*citizens, REFUSED]:
                queue_mail(recipient=address, subject="Eingangsbestätigung", body="Text")
        db.engine.dispose()

    # Down: nothing is taken, everything is kept with the reason, nothing is given up yet.
    assert "0 sent, 9 failed" in finished(send(portal))
    kept = outbox(database)
    assert all(
        not sent and not failed and attempts == 1 for sent, failed, attempts, _ in kept.values()
    )
    assert all("refused" in error.lower() for *_, error in kept.values()), kept

    mailbox = drill_folder / f"mailbox-{port}"
    # Back, slow (0.4 s per mail), and killed after it has taken three.
    with running_smtp(mailbox, handler=REFUSING, handler_args=["0.4"], port=port) as server:
        cut = send(portal)
        wait_for(lambda: len(server.messages()) >= 3, "three mails taken", seconds=60)
        server.process.kill()
        server.process.wait()
        finished(cut)
        taken_before = received(server)
    state = outbox(database)
    assert sum(sent for sent, *_ in state.values()) == len(taken_before) >= 3
    assert not any(failed for address, (_, failed, *_) in state.items() if address != REFUSED)

    # Back again: two senders at once (two workers, or cron beside the job).
    with running_smtp(mailbox, handler=REFUSING, port=port) as server:
        first, second = send(portal), send(portal)
        finished(first), finished(second)
        everything = received(server)
    assert len(everything) == CITIZENS
    assert set(everything.values()) == {1}, everything  # each mail once
    assert {str(message["To"]) for message in server.messages()} == set(citizens)
    final = outbox(database)
    assert all(final[address][0] for address in citizens)
    sent, failed, _attempts, error = final[REFUSED]
    assert not sent
    assert failed
    assert "550" in error

    admin = log_in_clerk(portal, database, "betrieb")
    page = admin.get(f"{portal.url}/verwaltung/postausgang/", timeout=10)
    assert page.status_code == 200
    text = BeautifulSoup(page.text, "lxml").get_text(" ", strip=True)
    assert REFUSED in text
    assert "550" in text
    assert "buerger0@example.org" not in text  # sent: not a failure
