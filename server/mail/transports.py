"""How a mail leaves the outbox: ``MAIL_BACKEND`` names one transport, chosen at start.

``file`` writes each mail as an .eml file under ``MAIL_FILE_DIR`` (development: the demo never
sends real mail, and a tester can open what would have been sent); ``smtp`` hands it to the
``MAIL_SMTP_*`` server. A transport raises ``OSError`` or ``smtplib.SMTPException`` when the mail
did not leave; the outbox then tries again later.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, current_app

from server.backends import Registry

#: What a transport raises when the mail did not leave (retried later).
DELIVERY_ERRORS: tuple[type[Exception], ...] = (OSError, smtplib.SMTPException)


class MailTransport(Protocol):
    name: str

    def deliver(self, message: EmailMessage, *, mail_id: int) -> None:
        """Send ``message`` (the outbox mail ``mail_id``) or raise one of ``DELIVERY_ERRORS``."""


class FileTransport:
    name = "file"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def deliver(self, message: EmailMessage, *, mail_id: int) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / f"{mail_id:08d}.eml").write_bytes(bytes(message))


class SmtpTransport:
    name = "smtp"

    def __init__(
        self, host: str, port: int, *, starttls: bool, user: str = "", password: str = ""
    ) -> None:
        self.host, self.port = host, port
        self.starttls, self.user, self.password = starttls, user, password

    def deliver(self, message: EmailMessage, *, mail_id: int) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=30) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(message)


TransportFactory = Callable[[Mapping[str, Any]], MailTransport]

#: The transports ``MAIL_BACKEND`` may name, each built from the settings.
TRANSPORTS: Registry[TransportFactory] = Registry("MAIL_BACKEND")


def _file(config: Mapping[str, Any]) -> MailTransport:
    return FileTransport(Path(config["MAIL_FILE_DIR"]))


def _smtp(config: Mapping[str, Any]) -> MailTransport:
    return SmtpTransport(
        config["MAIL_SMTP_HOST"],
        config["MAIL_SMTP_PORT"],
        starttls=bool(config["MAIL_SMTP_STARTTLS"]),
        user=config["MAIL_SMTP_USER"],
        password=config["MAIL_SMTP_PASSWORD"],
    )


TRANSPORTS.register("file", _file)
TRANSPORTS.register("smtp", _smtp)


def init_transport(app: Flask) -> None:
    """Build the configured transport; an unknown ``MAIL_BACKEND`` stops the start."""
    app.extensions["mail_transport"] = TRANSPORTS.choose(app.config["MAIL_BACKEND"])(app.config)


def transport() -> MailTransport:
    found: MailTransport = current_app.extensions["mail_transport"]
    return found
