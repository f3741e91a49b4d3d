"""One convention for pluggable backends and the areas' registries: a second, different entry
under a taken name is refused when it is registered; an unknown configured name stops the start
with the known choices."""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from flask_babel import lazy_gettext as _l

from server import create_app
from server.auth.roles import Role
from server.backends import DuplicateRegistration, Registry
from server.config import ConfigurationError
from server.mail.transports import TRANSPORTS, FileTransport, SmtpTransport


def first() -> str:
    return "first"


def second() -> str:
    return "second"


def test_a_registry_refuses_a_second_entry_under_a_taken_name() -> None:
    registry: Registry[object] = Registry("thing")
    registry.register("a", first)
    registry.register("a", first)  # the same again (every app built runs the areas' init)
    with pytest.raises(DuplicateRegistration, match="thing 'a' is registered already"):
        registry.register("a", second)
    assert registry.choose("a") is first
    assert registry.names() == ["a"]


def test_choosing_an_unknown_name_names_the_known_choices() -> None:
    registry: Registry[object] = Registry("MAIL_BACKEND")
    registry.register("smtp", first)
    registry.register("file", second)
    with pytest.raises(
        ConfigurationError, match=r"MAIL_BACKEND 'pigeon' is unknown; known: file, smtp"
    ):
        registry.choose("pigeon")


@pytest.mark.parametrize(
    ("setting", "value", "known"),
    [
        ("MAIL_BACKEND", "pigeon", "file, smtp"),
        ("UPLOAD_STORAGE", "floppy", "local, s3"),
        ("PAYMENT_PROVIDER", "cheque", "sandbox, xbezahldienste"),
    ],
)
def test_an_unknown_backend_stops_the_start(setting: str, value: str, known: str) -> None:
    with pytest.raises(ConfigurationError, match=f"{setting} '{value}' is unknown; known: {known}"):
        create_app({"PORTAL_ENV": "testing", "DATABASE_URL": "sqlite://", setting: value})


def test_the_configured_backends_are_chosen_once_at_start(tmp_path: Path) -> None:
    app = create_app(
        {
            "PORTAL_ENV": "testing",
            "DATABASE_URL": "sqlite://",
            "MAIL_BACKEND": "smtp",
            "MAIL_SMTP_HOST": "mail.example",
            "MAIL_SMTP_PORT": 587,
            "UPLOAD_DIR": str(tmp_path),
        }
    )
    transport = app.extensions["mail_transport"]
    assert isinstance(transport, SmtpTransport)
    assert (transport.host, transport.port) == ("mail.example", 587)
    assert app.extensions["upload_storage"].root == tmp_path
    assert sorted(TRANSPORTS.names()) == ["file", "smtp"]


def test_the_file_transport_writes_one_eml_per_mail(tmp_path: Path) -> None:
    message = EmailMessage()
    message["To"] = "erika@example.org"
    message.set_content("Hallo")
    FileTransport(tmp_path / "mail").deliver(message, mail_id=7)
    assert (tmp_path / "mail" / "00000007.eml").read_bytes() == bytes(message)


def test_the_smtp_transport_raises_what_the_outbox_retries() -> None:
    from server.mail.transports import DELIVERY_ERRORS

    message = EmailMessage()
    message.set_content("Hallo")
    with pytest.raises(DELIVERY_ERRORS):
        SmtpTransport("127.0.0.1", 1, starttls=False).deliver(message, mail_id=1)
    assert issubclass(smtplib.SMTPException, DELIVERY_ERRORS)


def test_the_areas_registries_refuse_a_different_entry_for_a_taken_key() -> None:
    from server.auth.records import register_record_kind
    from server.backoffice.queues import Queue, register_queue
    from server.payments.events import register_origin_link, register_settlement_handler
    from server.payments.proof_mail import register_proof_recipient

    create_app({"PORTAL_ENV": "testing", "DATABASE_URL": "sqlite://"})  # the areas registered
    registrations: tuple[tuple[Callable[[str, Any], object], str], ...] = (
        (register_settlement_handler, "fine"),
        (register_origin_link, "fine"),
        (register_proof_recipient, "fine"),
        (register_record_kind, "fine_cases"),
    )
    for register, key in registrations:
        with pytest.raises(DuplicateRegistration):
            register(key, lambda *_args: None)
    with pytest.raises(DuplicateRegistration, match="work queue 'fines'"):
        register_queue(
            Queue("fines", _l("Anhörungen und Fahrerbenennungen"), Role.CASH_OFFICE, lambda: 0)
        )
