"""A clerk adds a security key (Chromium's virtual WebAuthn authenticator) and confirms the next
login with it instead of the code. WebAuthn refuses IP addresses, so the portal runs as
``localhost`` here."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect
from werkzeug.serving import make_server

from server.audit.models import AuditEntry
from server.extensions import db
from tests.browser.conftest import assert_accessible, clerk_desk
from tests.conftest import LiveServer, empty_all_tables, free_port, make_test_app
from tests.factories import DEFAULT_PASSWORD, make_clerk


@pytest.fixture
def localhost_server(backend: str) -> Iterator[LiveServer]:
    port = free_port()
    url = f"http://localhost:{port}"
    app = make_test_app(backend, PORTAL_BASE_URL=url)
    live = LiveServer(app=app, url=url, server=make_server("127.0.0.1", port, app, threaded=True))
    live.start()
    yield live
    live.stop()
    with app.app_context():
        db.engine.dispose()
    empty_all_tables(backend)


def test_clerk_adds_a_security_key_and_logs_in_with_it(
    browser: Browser, localhost_server: LiveServer
) -> None:
    make_clerk(localhost_server.app, username="kasse", display_name="Karla Kasse")
    with clerk_desk(browser, localhost_server, "kasse") as page:
        cdp = page.context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "usb",
                    "hasResidentKey": False,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                }
            },
        )
        page.get_by_role("link", name="Sicherheitsschlüssel und Passkeys für die Anmeldung").click()
        expect(page.get_by_text("Noch keiner.")).to_be_visible()
        assert_accessible(page)
        page.get_by_label("Name des Schlüssels").fill("YubiKey blau")
        page.get_by_role("button", name="Schlüssel hinzufügen").click()
        expect(page.get_by_text("Der Sicherheitsschlüssel ist hinzugefügt.")).to_be_visible()
        expect(page.get_by_role("rowheader", name="YubiKey blau")).to_be_visible()
        assert_accessible(page)

        page.get_by_role("link", name="Arbeitsübersicht").click()
        page.get_by_role("button", name="Abmelden").click()
        # The logout must have ended the session before the next login page is fetched.
        page.wait_for_url(lambda url: "/verwaltung/" not in url)
        page.goto("/verwaltung/anmelden")
        page.get_by_label("Benutzername").fill("kasse")
        page.get_by_label("Passwort").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name="Anmelden").click()
        expect(page.locator("h1")).to_have_text("Code eingeben")
        assert_accessible(page)
        page.get_by_role("button", name="Mit Sicherheitsschlüssel oder Passkey bestätigen").click()
        expect(page.locator("h1")).to_have_text("Arbeitsübersicht")
        expect(page.get_by_text("Angemeldet als Karla Kasse")).to_be_visible()

        page.get_by_role("link", name="Sicherheitsschlüssel und Passkeys für die Anmeldung").click()
        row = page.get_by_role("row", name=re.compile("YubiKey blau"))
        expect(row).not_to_contain_text("noch nie")  # last used: just now
        row.get_by_role("button", name="YubiKey blau entfernen").click()
        expect(page.get_by_text("Der Sicherheitsschlüssel ist entfernt.")).to_be_visible()

    with localhost_server.app.app_context():
        actions = [entry.action for entry in db.session.query(AuditEntry)]
    assert "clerk.security_key_added" in actions
    assert "clerk.security_key_removed" in actions
    assert actions.count("clerk.login") == 2
