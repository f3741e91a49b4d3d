"""The mail tests' peer: a real SMTP server (aiosmtpd) in its own process.

It listens on 127.0.0.1 on a free port and stores every message it accepts in a Maildir, which
the test reads as a mail client would. Use in a test::

    def test_mail(smtp_server):
        app = make_test_app(backend, MAIL_BACKEND="smtp", **smtp_server.portal_settings())
        ...
        [message] = smtp_server.messages()
"""

from __future__ import annotations

import mailbox
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest

from tests.conftest import free_port

READY_TIMEOUT_S = 20.0
CHECKOUT = Path(__file__).resolve().parents[3]


@dataclass
class SmtpServer:
    host: str
    port: int
    maildir: Path
    process: subprocess.Popen[bytes]

    def portal_settings(self) -> dict[str, object]:
        return {
            "MAIL_BACKEND": "smtp",
            "MAIL_SMTP_HOST": self.host,
            "MAIL_SMTP_PORT": self.port,
            "MAIL_SMTP_STARTTLS": False,
        }

    def messages(self) -> list[EmailMessage]:
        """Every message received so far (Maildir names begin with the delivery time)."""
        box = mailbox.Maildir(self.maildir, factory=None, create=False)
        return [
            message_from_bytes(box.get_bytes(key), _class=EmailMessage, policy=default)
            for key in sorted(box.keys())
        ]


def _wait_until_listening(host: str, port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            said = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise RuntimeError(f"aiosmtpd exited with {process.returncode}: {said[-2000:]}")
        try:
            with socket.create_connection((host, port), timeout=1) as probe:
                if probe.recv(3) == b"220":
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("aiosmtpd did not start listening")


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[SmtpServer]:
    with running_smtp(tmp_path) as server:
        yield server


#: aiosmtpd's handler that keeps every message (the default).
MAILBOX = "aiosmtpd.handlers.Mailbox"
#: One that also refuses recipients of one domain for good (tests/peers/smtp/refusing.py).
REFUSING = "tests.peers.smtp.refusing.RefusingMailbox"


@contextmanager
def running_smtp(
    folder: Path,
    *,
    handler: str = MAILBOX,
    handler_args: Sequence[str] = (),
    port: int | None = None,
) -> Iterator[SmtpServer]:
    """aiosmtpd keeping what it receives in ``folder/maildir``, for as long as the block runs
    (on ``port``, to come back where it was, or a free one)."""
    host, port = "127.0.0.1", port or free_port()
    maildir = folder / "maildir"
    folder.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "--nosetuid",
            "--listen",
            f"{host}:{port}",
            "--class",
            handler,
            str(maildir),
            *handler_args,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=CHECKOUT,  # the handler may be the tests' own
    )
    try:
        _wait_until_listening(host, port, process)
        yield SmtpServer(host, port, maildir, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()
