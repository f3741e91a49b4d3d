"""The confirmation mail travels over SMTP to a real mail server, and its link works."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.checking_client import checking_client
from tests.conftest import empty_all_tables, make_test_app
from tests.integration.accounts_helpers import PASSWORD, confirm, link_in, log_in, register
from tests.peers.smtp.fixtures import SmtpServer, smtp_server  # noqa: F401


@pytest.fixture(autouse=True)
def clean_tables(backend: str) -> Iterator[None]:
    yield
    empty_all_tables(backend)


def test_confirmation_mail_arrives_by_smtp_and_its_link_confirms(
    backend: str,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    app = make_test_app(backend, **smtp_server.portal_settings())
    client = checking_client(app)
    assert register(client, "Max.Muster@example.org").status_code == 302
    assert smtp_server.messages() == []  # queued in the outbox, not sent inside the request

    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "1 sent, 0 failed" in result.output

    [message] = smtp_server.messages()
    assert message["To"] == "max.muster@example.org"
    assert message["From"] == app.config["MAIL_FROM"]
    assert "bestätigen" in str(message["Subject"])
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    link = link_in(body.get_content(), "/konto/bestaetigen/")

    assert log_in(client, "max.muster@example.org").status_code == 422  # not yet confirmed
    assert confirm(client, link).headers["Location"] == "/konto?hinweis=bestaetigt"
    assert log_in(client, "max.muster@example.org", PASSWORD).status_code == 302
    # Sending again delivers nothing twice.
    assert "0 sent" in app.test_cli_runner().invoke(args=["mail", "send"]).output
    assert len(smtp_server.messages()) == 1
