"""Clerks log in with password and a TOTP code; they set the factor up at their first login."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator

import pyotp
import pytest
from bs4 import BeautifulSoup
from flask import Flask
from werkzeug.test import TestResponse

from server.audit.models import AuditEntry
from server.auth.roles import Role
from server.auth.second_factor_models import ClerkTotp
from server.extensions import db
from tests.checking_client import CheckingClient, checking_client, csrf_token, element
from tests.conftest import empty_all_tables, make_test_app
from tests.factories import DEFAULT_PASSWORD, DEFAULT_TOTP_SECRET, make_clerk
from tests.integration.helpers import CODE_PAGE, enter_code, log_in_clerk, unused_code

ENROL_PAGE = "/verwaltung/anmelden/einrichten"


@pytest.fixture
def app_with(backend: str) -> Iterator[Callable[..., Flask]]:
    """Apps with other settings on the test database, emptied afterwards."""
    made: list[Flask] = []

    def make(**overrides: object) -> Flask:
        made.append(make_test_app(backend, **overrides))
        return made[-1]

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()
    empty_all_tables(backend)


def text_of(response: TestResponse) -> str:
    return BeautifulSoup(response.get_data(as_text=True), "lxml").get_text(" ")


def actions(app: Flask) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [
            (entry.actor, entry.action, entry.detail)
            for entry in db.session.query(AuditEntry).order_by(AuditEntry.id)
        ]


def enter_password(
    client: CheckingClient, username: str, next_url: str | None = None
) -> TestResponse:
    page = client.get("/verwaltung/anmelden")
    data = {"csrf_token": csrf_token(page), "username": username, "password": DEFAULT_PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/verwaltung/anmelden", data=data)


def wrong_code(secret: str = DEFAULT_TOTP_SECRET) -> str:
    """Six digits that are none of the codes the portal would accept now."""
    totp = pyotp.TOTP(secret)
    step = int(time.time() // 30)
    valid = {totp.at((step + offset) * 30) for offset in range(-2, 3)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in valid)


def test_the_password_alone_does_not_log_in(client: CheckingClient) -> None:
    app = client.application
    make_clerk(app, username="bussgeld", display_name="Berta Bußgeld", roles=[Role.FINES])
    response = enter_password(client, "bussgeld", next_url="/verwaltung/bussgeld/")
    assert response.status_code == 302
    assert response.headers["Location"] == CODE_PAGE
    assert client.get("/verwaltung/").status_code == 302
    assert not [a for a in actions(app) if a[1] == "clerk.login"]

    page = client.get(CODE_PAGE)
    assert page.headers["Cache-Control"] == "no-store"
    assert "Code eingeben" in text_of(page)
    response = enter_code(client, unused_code(app, "bussgeld"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/verwaltung/bussgeld/"  # where the clerk was going
    assert "Angemeldet als Berta Bußgeld" in text_of(client.get("/verwaltung/"))
    assert ("clerk:bussgeld", "clerk.login", "") in actions(app)
    # Once logged in, the code page has nothing to do.
    assert client.get(CODE_PAGE).headers["Location"] == "/verwaltung/anmelden"


def test_a_wrong_code_is_refused_with_a_clear_message(client: CheckingClient) -> None:
    app = client.application
    make_clerk(app, username="kasse", roles=[Role.CASH_OFFICE])
    enter_password(client, "kasse")
    response = enter_code(client, wrong_code())
    assert response.status_code == 422
    assert "Der Code ist nicht richtig." in text_of(response)
    assert client.get("/verwaltung/").status_code == 302
    assert ("clerk:kasse", "clerk.second_factor_failed", "wrong") in actions(app)
    empty = enter_code(client, "")
    assert empty.status_code == 422
    assert "Geben Sie den Code aus Ihrer Authenticator-App ein." in text_of(empty)
    assert enter_code(client, "12a456").status_code == 422
    # Spaces as the app shows them are fine.
    code = unused_code(app, "kasse")
    assert enter_code(client, f" {code[:3]} {code[3:]} ").status_code == 302


def test_a_code_is_accepted_only_once(app: Flask) -> None:
    make_clerk(app, username="kasse", roles=[Role.CASH_OFFICE])
    first = checking_client(app)
    code = unused_code(app, "kasse")
    enter_password(first, "kasse")
    assert enter_code(first, code).status_code == 302

    someone_watching = checking_client(app)
    enter_password(someone_watching, "kasse")
    replayed = enter_code(someone_watching, code)
    assert replayed.status_code == 422
    assert "Dieser Code wurde schon verwendet." in text_of(replayed)
    assert someone_watching.get("/verwaltung/").status_code == 302
    assert ("clerk:kasse", "clerk.second_factor_failed", "replayed") in actions(app)
    # The next code the app shows works.
    assert enter_code(someone_watching, unused_code(app, "kasse")).status_code == 302


def test_first_login_sets_up_the_second_factor(client: CheckingClient) -> None:
    app = client.application
    make_clerk(app, username="neu", display_name="Nora Neu", totp_secret=None)
    response = enter_password(client, "neu")
    assert response.headers["Location"] == ENROL_PAGE
    assert client.get(CODE_PAGE).headers["Location"] == ENROL_PAGE

    page = client.get(ENROL_PAGE)
    assert page.status_code == 200
    soup = BeautifulSoup(page.get_data(as_text=True), "lxml")
    secret = element(soup.find(id="totp-secret")).get_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    qr = soup.find("img", src=re.compile(r"^data:image/svg\+xml"))
    assert qr is not None
    assert "QR-Code" in qr["alt"]
    assert page.headers["Cache-Control"] == "no-store"
    # A reload shows the same secret: the app the clerk just scanned keeps working.
    again = BeautifulSoup(client.get(ENROL_PAGE).get_data(as_text=True), "lxml")
    assert element(again.find(id="totp-secret")).get_text().replace(" ", "") == secret
    with app.app_context():
        stored = db.session.query(ClerkTotp).one().sealed_secret
    assert secret not in stored  # encrypted at rest

    wrong = client.post(
        ENROL_PAGE, data={"csrf_token": csrf_token(page), "code": wrong_code(secret)}
    )
    assert wrong.status_code == 422
    assert "Der Code passt nicht." in text_of(wrong)
    assert secret.upper()[:4] in text_of(wrong)  # the same secret is still shown

    done = client.post(
        ENROL_PAGE, data={"csrf_token": csrf_token(page), "code": pyotp.TOTP(secret).now()}
    )
    assert done.status_code == 302
    assert done.headers["Location"] == "/verwaltung/"
    assert "Angemeldet als Nora Neu" in text_of(client.get("/verwaltung/"))
    assert ("clerk:neu", "clerk.second_factor_enrolled", "totp") in actions(app)

    # From now on: the code page; the enrolment page never replaces a set-up factor.
    other = checking_client(app)
    assert enter_password(other, "neu").headers["Location"] == CODE_PAGE
    assert other.get(ENROL_PAGE).headers["Location"] == CODE_PAGE
    assert log_in_clerk(other, "neu", totp_secret=secret).status_code == 302


def test_every_login_of_an_unenrolled_clerk_gets_a_fresh_secret(client: CheckingClient) -> None:
    """Someone who saw the secret with a stolen password cannot use it after the real clerk
    enrolled at a later login."""
    make_clerk(client.application, username="neu", totp_secret=None)

    def shown_secret() -> str:
        enter_password(client, "neu")
        page = BeautifulSoup(client.get(ENROL_PAGE).get_data(as_text=True), "lxml")
        return element(page.find(id="totp-secret")).get_text()

    assert shown_secret() != shown_secret()


def test_a_pending_login_expires(client: CheckingClient) -> None:
    app = client.application
    make_clerk(app, username="kasse")
    enter_password(client, "kasse")
    with client.session_transaction() as session:
        session["clerk_pending"] = {**session["clerk_pending"], "since": 0}
    token = csrf_token(client.get("/verwaltung/anmelden"))
    response = client.post(CODE_PAGE, data={"csrf_token": token, "code": unused_code(app, "kasse")})
    assert response.status_code == 302
    assert response.headers["Location"] == "/verwaltung/anmelden?abgelaufen=1"
    assert client.get("/verwaltung/").status_code == 302
    login_page = client.get(response.headers["Location"])
    assert "Die Anmeldung ist abgelaufen." in text_of(login_page)
    # Without any pending login, the code page just sends to the password.
    assert client.get(CODE_PAGE).headers["Location"] == "/verwaltung/anmelden"


def test_code_attempts_are_throttled_per_clerk(app_with: Callable[..., Flask]) -> None:
    app = app_with(CLERK_CODE_RATE_LIMIT="3 per minute")
    make_clerk(app, username="kasse")
    client = checking_client(app)
    enter_password(client, "kasse")
    for _ in range(3):
        assert enter_code(client, wrong_code()).status_code == 422
    throttled = enter_code(client, unused_code(app, "kasse"))
    assert throttled.status_code == 429
    assert "Zu viele Versuche mit dem Code." in text_of(throttled)
    assert throttled.headers["Retry-After"]
    assert client.get("/verwaltung/").status_code == 302
    # The limit is the account's, not the address's: another browser is throttled as well.
    elsewhere = checking_client(app)
    enter_password(elsewhere, "kasse")
    assert enter_code(elsewhere, unused_code(app, "kasse")).status_code == 429


def test_a_clerk_deactivated_between_password_and_code_is_not_let_in(
    client: CheckingClient,
) -> None:
    app = client.application
    make_clerk(app, username="kasse")
    enter_password(client, "kasse")
    with app.app_context():
        from server.auth.clerk_accounts import set_active
        from server.auth.clerks import find_clerk

        clerk = find_clerk("kasse")
        assert clerk is not None
        set_active(clerk, False, actor=None)
    response = enter_code(client, unused_code(app, "kasse"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/verwaltung/anmelden")
    assert client.get("/verwaltung/").status_code == 302


def test_an_unreadable_secret_says_whom_to_ask_and_rotated_keys_still_open_it(
    app_with: Callable[..., Flask],
) -> None:
    first = app_with()  # key derived from SECRET_KEY
    make_clerk(first, username="kasse")
    lost_key = app_with(CLERK_TOTP_KEY="a key that sealed nothing")
    client = checking_client(lost_key)
    enter_password(client, "kasse")
    response = enter_code(client, unused_code(lost_key, "kasse"))
    assert response.status_code == 422
    assert "Administration" in text_of(response)

    rotated = app_with(CLERK_TOTP_KEY="the new key, test-secret-key")
    assert log_in_clerk(checking_client(rotated), "kasse").status_code == 302
    new_only = app_with(CLERK_TOTP_KEY="the new key")
    # Re-encrypted with the newest key at that login: the old key can be dropped.
    assert log_in_clerk(checking_client(new_only), "kasse").status_code == 302


def test_no_code_or_secret_reaches_the_audit_log(client: CheckingClient) -> None:
    app = client.application
    make_clerk(app, username="neu", totp_secret=None)
    enter_password(client, "neu")
    page = client.get(ENROL_PAGE)
    secret = (
        element(BeautifulSoup(page.get_data(as_text=True), "lxml").find(id="totp-secret"))
        .get_text()
        .replace(" ", "")
    )
    code = pyotp.TOTP(secret).now()
    client.post(ENROL_PAGE, data={"csrf_token": csrf_token(page), "code": code})
    written = " ".join(f"{a} {b} {c}" for a, b, c in actions(app))
    for value in (secret, code, DEFAULT_PASSWORD):
        assert value not in written


def test_security_key_login_refuses_what_proves_nothing(client: CheckingClient) -> None:
    """The WebAuthn endpoints without a real authenticator (the browser test has one)."""
    app = client.application
    make_clerk(app, username="kasse")
    token = csrf_token(client.get("/verwaltung/anmelden"))
    headers = {"X-CSRFToken": token}
    options_url = "/verwaltung/anmelden/schluessel/optionen"
    verify_url = "/verwaltung/anmelden/schluessel"
    assert client.post(options_url, json={}, headers=headers).status_code == 409  # no login
    enter_password(client, "kasse")
    # No key added: nothing to offer, and the code page does not offer it either.
    assert client.post(options_url, json={}, headers=headers).status_code == 409
    assert "Sicherheitsschlüssel" not in text_of(client.get(CODE_PAGE))

    with app.app_context():
        from server.auth.second_factor_models import ClerkSecurityKey

        with db.transaction() as session:
            session.add(
                ClerkSecurityKey(
                    clerk_id=_clerk_id(app, "kasse"),
                    credential_id=b"not a real credential",
                    public_key=b"not a real key",
                    name="Alter Schlüssel",
                )
            )
    assert "Mit Sicherheitsschlüssel oder Passkey bestätigen" in text_of(client.get(CODE_PAGE))
    options = client.post(options_url, json={}, headers=headers)
    assert options.status_code == 200
    assert options.get_json()["rpId"] == "localhost"
    assert options.get_json()["challenge"]
    forged = client.post(
        verify_url,
        json={"credential": {"id": "bm90IGEgcmVhbCBjcmVkZW50aWFs", "type": "public-key"}},
        headers=headers,
    )
    assert forged.status_code == 422
    assert "nicht erkannt" in forged.get_json()["error"]
    assert client.get("/verwaltung/").status_code == 302
    # The challenge answers once.
    again = client.post(verify_url, json={"credential": {}}, headers=headers)
    assert again.status_code == 409


def _clerk_id(app: Flask, username: str) -> int:
    from server.auth.clerks import find_clerk

    with app.app_context():
        clerk = find_clerk(username)
        assert clerk is not None
        return clerk.id
