"""Citizen accounts with e-mail and password, as a citizen (and an attacker) uses them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from sqlalchemy import select, update

from server.audit.models import AuditEntry
from server.auth.models import AccountToken, Citizen
from server.db import utcnow
from server.extensions import db
from tests.checking_client import CheckingClient, checking_client, csrf_token, element
from tests.conftest import empty_all_tables, make_test_app
from tests.integration.accounts_helpers import (
    PASSWORD,
    confirm,
    latest_link,
    log_in,
    log_out,
    mails_to,
    post_form,
    register,
    registered_account,
    text_of,
)

EMAIL = "erika@example.org"


@pytest.fixture(autouse=True)
def clean_tables(backend: str) -> Iterator[None]:
    """Some tests build their own app (other limits); the tables are emptied after each."""
    yield
    empty_all_tables(backend)


def audit_actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def expire_links(app: Flask) -> None:
    with app.app_context(), db.transaction() as session:
        session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(minutes=1)))


def test_register_confirm_by_mail_link_log_in_and_out(app: Flask, client: CheckingClient) -> None:
    response = register(client, "  Erika@Example.org ")
    assert response.status_code == 302
    sent_page = client.get(response.headers["Location"])
    assert "Bitte sehen Sie in Ihr Postfach" in text_of(sent_page)
    [mail] = mails_to(app, EMAIL)
    assert "bestätigen" in mail.subject
    link = latest_link(app, EMAIL, "/konto/bestaetigen/")

    # Opening the link shows a button; only pressing it confirms (mail scanners open links).
    assert "E-Mail-Adresse bestätigen" in text_of(client.get(link))
    refused = log_in(client, EMAIL)
    assert refused.status_code == 422
    assert "noch nicht bestätigt" in text_of(refused)

    confirmed = confirm(client, link)
    assert confirmed.headers["Location"] == "/konto?hinweis=bestaetigt"
    assert "Ihre E-Mail-Adresse ist bestätigt" in text_of(client.get("/konto?hinweis=bestaetigt"))

    response = log_in(client, "ERIKA@example.org")
    assert response.status_code == 302
    assert response.headers["Location"] == "/konto"
    assert "portal_device=" in response.headers["Set-Cookie"]
    account = client.get("/konto")
    assert account.headers["Cache-Control"] == "no-store"
    page = text_of(account)
    assert "Angemeldet mit E-Mail-Adresse und Passwort" in page
    assert EMAIL in page
    assert "nicht verknüpft" in page

    assert log_out(client).status_code == 302
    assert "Mit Passwort anmelden" in text_of(client.get("/konto"))
    actions = audit_actions(app)
    for action in ("citizen.register", "citizen.confirm", "citizen.login.password"):
        assert action in actions
    with app.app_context():
        details = " ".join(
            f"{e.record_id} {e.detail}" for e in db.session.scalars(select(AuditEntry))
        )
    assert PASSWORD not in details
    assert link.rsplit("/", 1)[1] not in details


def test_the_database_holds_no_token_and_no_password(app: Flask, client: CheckingClient) -> None:
    register(client, EMAIL)
    token = latest_link(app, EMAIL, "/konto/bestaetigen/").rsplit("/", 1)[1]
    with app.app_context():
        stored = db.session.scalar(select(AccountToken))
        citizen = db.session.scalar(select(Citizen))
    assert stored is not None
    assert citizen is not None
    assert token not in stored.token_hash
    assert citizen.password_hash is not None
    assert citizen.password_hash.startswith("$argon2id$")


def test_a_used_confirmation_link_says_the_account_is_confirmed(
    app: Flask, client: CheckingClient
) -> None:
    registered_account(app, client, EMAIL)
    link = latest_link(app, EMAIL, "/konto/bestaetigen/")
    again = client.get(link)
    assert again.status_code == 302
    assert "Ihre E-Mail-Adresse ist bestätigt" in text_of(client.get(again.headers["Location"]))


def test_an_expired_confirmation_link_says_so_and_sends_a_new_one(
    app: Flask, client: CheckingClient
) -> None:
    register(client, EMAIL)
    old = latest_link(app, EMAIL, "/konto/bestaetigen/")
    expire_links(app)
    page = client.get(old)
    assert page.status_code == 410
    assert "Der Link ist abgelaufen" in text_of(page)
    soup = BeautifulSoup(page.get_data(as_text=True), "lxml")
    form = element(soup.find("form", attrs={"action": "/konto/neuer-link"}))
    assert form is not None
    data = {field["name"]: field.get("value", "") for field in form.find_all("input")}
    renewed = client.post("/konto/neuer-link", data=data)
    assert renewed.status_code == 302
    assert "neuen Link" in text_of(client.get(renewed.headers["Location"]))
    assert len(mails_to(app, EMAIL)) == 2
    new = latest_link(app, EMAIL, "/konto/bestaetigen/")
    assert new != old
    assert (
        client.post(old, data={"csrf_token": csrf_token(client.get("/konto"))}).status_code == 410
    )
    assert confirm(client, new).headers["Location"] == "/konto?hinweis=bestaetigt"
    assert log_in(client, EMAIL).status_code == 302


def test_an_unknown_link_says_so_and_offers_a_new_one(client: CheckingClient) -> None:
    page = client.get("/konto/bestaetigen/not-a-real-token")
    assert page.status_code == 404
    assert "Der Link ist ungültig" in text_of(page)
    assert "Bestätigungslink erneut senden" in text_of(page)
    reset = client.get("/konto/passwort-neu/not-a-real-token")
    assert reset.status_code == 404
    assert "Neuen Link anfordern" in text_of(reset)


def test_unconfirmed_account_cannot_log_in_and_can_have_the_link_again(
    app: Flask, client: CheckingClient
) -> None:
    register(client, EMAIL)
    refused = log_in(client, EMAIL)
    assert refused.status_code == 422
    assert "Ihr Konto ist noch nicht bestätigt" in text_of(refused)
    assert client.get("/konto").headers["Cache-Control"] == "no-store"
    soup = BeautifulSoup(refused.get_data(as_text=True), "lxml")
    form = element(soup.find("form", attrs={"action": "/konto/bestaetigung-senden"}))
    data = {field["name"]: field.get("value", "") for field in form.find_all("input")}
    assert data["email"] == EMAIL
    resent = client.post("/konto/bestaetigung-senden", data=data)
    assert resent.status_code == 302
    assert len(mails_to(app, EMAIL)) == 2
    # A wrong password learns nothing about the account's state.
    wrong = log_in(client, EMAIL, "not the password at all")
    assert "noch nicht bestätigt" not in text_of(wrong)
    assert "E-Mail-Adresse oder Passwort ist falsch" in text_of(wrong)


def test_wrong_password_keeps_the_address_and_says_what_is_wrong(
    app: Flask, client: CheckingClient
) -> None:
    registered_account(app, client, EMAIL)
    response = log_in(client, EMAIL, "wrong password, sorry")
    assert response.status_code == 422
    page = BeautifulSoup(response.get_data(as_text=True), "lxml")
    assert "E-Mail-Adresse oder Passwort ist falsch." in page.get_text()
    assert element(page.find("input", attrs={"name": "email"}))["value"] == EMAIL
    assert "wrong password, sorry" not in response.get_data(as_text=True)
    assert "citizen.login_failed" in audit_actions(app)
    unknown = log_in(client, "nobody@example.org", "wrong password, sorry")
    assert text_of(unknown) == text_of(response).replace(EMAIL, "nobody@example.org")


def test_htmx_login_swaps_only_the_form(app: Flask, client: CheckingClient) -> None:
    response = log_in(client, EMAIL, "whatever it is", **{"HX-Request": "true"})
    assert response.status_code == 422
    assert response.get_data(as_text=True).lstrip().startswith('<form id="citizen-login"')
    registered_account(app, client, EMAIL)
    ok = log_in(client, EMAIL, PASSWORD, **{"HX-Request": "true"})
    assert ok.status_code == 204
    assert ok.headers["HX-Redirect"] == "/konto"


def test_registering_a_known_address_answers_the_same_and_mails_the_owner(
    app: Flask, client: CheckingClient
) -> None:
    registered_account(app, client, EMAIL)
    log_out(client)
    stranger = checking_client(app)
    first = register(stranger, "new@example.org", "another fine passphrase")
    second = register(stranger, EMAIL, "the attacker's passphrase")
    assert (first.status_code, first.headers["Location"]) == (
        second.status_code,
        second.headers["Location"],
    )
    assert text_of(stranger.get(first.headers["Location"])) == text_of(
        stranger.get(second.headers["Location"])
    )
    owner_mail = mails_to(app, EMAIL)[-1]
    assert "bereits ein Konto" in owner_mail.subject
    assert "/konto/passwort-neu/" in owner_mail.body
    # Nothing changed: the owner's password still works, the attacker's does not.
    assert log_in(client, EMAIL, "the attacker's passphrase").status_code == 422
    assert log_in(client, EMAIL).status_code == 302
    assert "citizen.register_existing" in audit_actions(app)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("qwerty123456", "häufigsten Passwörter"),
        ("short one", "mindestens 12 Zeichen"),
        ("erika@example.org", "E-Mail-Adresse"),
        ("erika@example.org!!", "E-Mail-Adresse"),
        ("erika2024erika", "E-Mail-Adresse"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(
    app: Flask, client: CheckingClient, password: str, message: str
) -> None:
    response = register(client, EMAIL, password)
    assert response.status_code == 422
    page = BeautifulSoup(response.get_data(as_text=True), "lxml")
    assert message in page.get_text()
    assert element(page.find("input", attrs={"name": "email"}))["value"] == EMAIL
    assert mails_to(app, EMAIL) == []


def test_long_passwords_with_any_characters_are_welcome(app: Flask, client: CheckingClient) -> None:
    password = "Grüße aus Köln 🌞 – mit Leerzeichen, ohne Regeln " * 4
    registered_account(app, client, EMAIL, password)
    # The same passphrase in another Unicode form (decomposed umlauts) still matches.
    import unicodedata

    assert log_in(client, EMAIL, unicodedata.normalize("NFD", password)).status_code == 302


def test_password_reset_ends_with_the_new_password_only(app: Flask, client: CheckingClient) -> None:
    registered_account(app, client, EMAIL)
    assert log_in(client, EMAIL).status_code == 302
    other_device = checking_client(app)
    assert log_in(other_device, EMAIL).status_code == 302
    assert "Angemeldete Geräte" in text_of(other_device.get("/konto"))
    forgot = post_form(
        client, "/konto/passwort-vergessen", "/konto/passwort-vergessen", {"email": EMAIL}
    )
    assert forgot.status_code == 302
    assert "Wenn zu dieser E-Mail-Adresse ein Konto besteht" in text_of(
        client.get(forgot.headers["Location"])
    )
    link = latest_link(app, EMAIL, "/konto/passwort-neu/")
    common = post_form(client, link, link, {"password": "password1234"})
    assert common.status_code == 422
    assert "häufigsten Passwörter" in text_of(common)
    done = post_form(client, link, link, {"password": "ein ganz neues Passwort"})
    assert done.status_code == 302
    assert done.headers["Location"] == "/konto?hinweis=passwort-neu"
    # This browser's session of the citizen ended with the reset.
    assert "Mit Passwort anmelden" in text_of(client.get("/konto?hinweis=passwort-neu"))
    # ... and so did the session on the other device.
    assert "Angemeldete Geräte" not in text_of(other_device.get("/konto"))
    assert "geändert" in mails_to(app, EMAIL)[-1].subject

    assert log_in(client, EMAIL, PASSWORD).status_code == 422
    assert log_in(client, EMAIL, "ein ganz neues Passwort").status_code == 302
    used = client.get(link)
    assert used.status_code == 410
    assert "schon benutzt" in text_of(used)
    actions = audit_actions(app)
    assert "citizen.password_reset_requested" in actions
    assert "citizen.password_reset" in actions


def test_an_expired_reset_link_says_so_and_sends_a_new_one(
    app: Flask, client: CheckingClient
) -> None:
    registered_account(app, client, EMAIL)
    post_form(client, "/konto/passwort-vergessen", "/konto/passwort-vergessen", {"email": EMAIL})
    link = latest_link(app, EMAIL, "/konto/passwort-neu/")
    expire_links(app)
    page = client.get(link)
    assert page.status_code == 410
    assert "Der Link ist abgelaufen" in text_of(page)
    soup = BeautifulSoup(page.get_data(as_text=True), "lxml")
    form = element(soup.find("form", attrs={"action": "/konto/neuer-link"}))
    data = {field["name"]: field.get("value", "") for field in form.find_all("input")}
    assert client.post("/konto/neuer-link", data=data).status_code == 302
    fresh = latest_link(app, EMAIL, "/konto/passwort-neu/")
    assert fresh != link
    assert post_form(client, fresh, fresh, {"password": "wieder ein neues"}).status_code == 302


def test_forgot_password_answers_the_same_for_unknown_addresses(
    app: Flask, client: CheckingClient
) -> None:
    registered_account(app, client, EMAIL)
    known = post_form(
        client, "/konto/passwort-vergessen", "/konto/passwort-vergessen", {"email": EMAIL}
    )
    unknown = post_form(
        client,
        "/konto/passwort-vergessen",
        "/konto/passwort-vergessen",
        {"email": "nobody@example.org"},
    )
    assert known.headers["Location"] == unknown.headers["Location"]
    assert mails_to(app, "nobody@example.org") == []


def test_a_reset_link_confirms_an_unconfirmed_account(app: Flask, client: CheckingClient) -> None:
    register(client, EMAIL)
    post_form(client, "/konto/passwort-vergessen", "/konto/passwort-vergessen", {"email": EMAIL})
    link = latest_link(app, EMAIL, "/konto/passwort-neu/")
    assert post_form(client, link, link, {"password": "neu und bestätigt"}).status_code == 302
    assert log_in(client, EMAIL, "neu und bestätigt").status_code == 302


# --- throttling ----------------------------------------------------------------------------


def test_an_attacked_account_still_lets_its_known_browser_in(backend: str) -> None:
    app = make_test_app(backend, CITIZEN_LOGIN_ACCOUNT_FAILURE_LIMIT="3 per hour")
    citizen = checking_client(app)
    registered_account(app, citizen, EMAIL)
    assert log_in(citizen, EMAIL).status_code == 302  # this browser is now known
    log_out(citizen)

    attacker = checking_client(app)
    for guess in ("guess number one", "guess number two", "guess number three"):
        assert log_in(attacker, EMAIL, guess).status_code == 422
    blocked = log_in(attacker, EMAIL, PASSWORD)  # even the right password is not checked now
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    message = text_of(blocked)
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in message
    assert "Passwort zurücksetzen" in message
    assert "/konto/passwort-vergessen" in blocked.get_data(as_text=True)
    # A new browser of the citizen is held back too...
    assert log_in(checking_client(app), EMAIL).status_code == 429
    # ...but the browser that logged in before gets in.
    assert log_in(citizen, EMAIL).status_code == 302
    assert "citizen.login_throttled" in audit_actions(app)


def test_a_stolen_device_cookie_buys_no_unlimited_guesses(backend: str) -> None:
    app = make_test_app(
        backend,
        CITIZEN_LOGIN_ACCOUNT_FAILURE_LIMIT="2 per hour",
        CITIZEN_LOGIN_DEVICE_FAILURE_LIMIT="3 per hour",
    )
    browser = checking_client(app)
    registered_account(app, browser, EMAIL)
    assert log_in(browser, EMAIL).status_code == 302
    log_out(browser)
    for guess in ("first wrong guess", "second wrong guess", "third wrong guess"):
        assert log_in(browser, EMAIL, guess).status_code == 422
    assert log_in(browser, EMAIL).status_code == 429


def test_a_device_cookie_of_another_account_does_not_help(backend: str) -> None:
    app = make_test_app(backend, CITIZEN_LOGIN_ACCOUNT_FAILURE_LIMIT="2 per hour")
    browser = checking_client(app)
    registered_account(app, browser, "mallory@example.org")
    registered_account(app, browser, EMAIL)
    assert log_in(browser, "mallory@example.org").status_code == 302
    log_out(browser)
    for guess in ("first wrong guess", "second wrong guess"):
        assert log_in(browser, EMAIL, guess).status_code == 422
    assert log_in(browser, EMAIL).status_code == 429


def test_attempts_from_one_address_are_limited(backend: str) -> None:
    app = make_test_app(backend, CITIZEN_LOGIN_ADDRESS_RATE_LIMIT="3 per hour")
    client = checking_client(app)
    registered_account(app, client, EMAIL)
    for number in range(3):
        assert log_in(client, f"someone{number}@example.org", "any password").status_code == 422
    blocked = log_in(client, EMAIL)
    assert blocked.status_code == 429
    assert "Von Ihrem Netzwerk kamen" in text_of(blocked)
    # Another address is not affected.
    elsewhere = checking_client(app)
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert log_in(elsewhere, EMAIL).status_code == 302


def test_registration_requests_per_address_are_limited(backend: str) -> None:
    app = make_test_app(backend, ACCOUNT_MAIL_RATE_LIMIT="2 per hour")
    client = checking_client(app)
    assert register(client, "a@example.org").status_code == 302
    assert register(client, "b@example.org").status_code == 302
    blocked = register(client, "c@example.org")
    assert blocked.status_code == 429
    assert "Zu viele Anfragen" in text_of(blocked)


def test_one_mailbox_gets_no_flood_of_mails(backend: str) -> None:
    app = make_test_app(backend, ACCOUNT_MAIL_PER_ADDRESS_LIMIT="2 per hour")
    client = checking_client(app)
    for _ in range(4):
        assert register(client, EMAIL).status_code == 302
    assert len(mails_to(app, EMAIL)) == 2


# --- the citizen's own data ----------------------------------------------------------------


def test_password_citizen_enters_name_and_address(app: Flask, client: CheckingClient) -> None:
    assert client.get("/konto/daten").status_code == 302
    registered_account(app, client, EMAIL)
    log_in(client, EMAIL)
    assert "noch nicht angegeben" in text_of(client.get("/konto"))
    partial = post_form(
        client,
        "/konto/daten",
        "/konto/daten",
        {"given_name": "Erika", "family_name": "Mustermann", "street": "Heidestraße 17"},
    )
    assert partial.status_code == 422
    page = BeautifulSoup(partial.get_data(as_text=True), "lxml")
    assert "Für eine Anschrift fehlt diese Angabe." in page.get_text()
    assert element(page.find("input", attrs={"name": "street"}))["value"] == "Heidestraße 17"
    saved = post_form(
        client,
        "/konto/daten",
        "/konto/daten",
        {
            "given_name": "Erika",
            "family_name": "Mustermann",
            "street": "Heidestraße 17",
            "postal_code": "51147",
            "locality": "Köln",
        },
    )
    assert saved.status_code == 302
    account = text_of(client.get(saved.headers["Location"]))
    assert "Ihre Angaben sind gespeichert" in account
    assert "Erika Mustermann" in account
    assert "Heidestraße 17, 51147 Köln" in account
    form = BeautifulSoup(client.get("/konto/daten").get_data(as_text=True), "lxml")
    assert element(form.find("input", attrs={"name": "locality"}))["value"] == "Köln"
    assert "citizen.data_changed" in audit_actions(app)


# --- the development mail page -------------------------------------------------------------


def test_demo_mails_are_readable_with_clickable_links(app: Flask, client: CheckingClient) -> None:
    register(client, EMAIL)
    page = client.get("/entwicklung/post")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    soup = BeautifulSoup(page.get_data(as_text=True), "lxml")
    assert EMAIL in soup.get_text()
    link = latest_link(app, EMAIL, "/konto/bestaetigen/")
    assert any(str(a["href"]).endswith(link) for a in soup.find_all("a", href=True))


@pytest.mark.parametrize("settings", [{"DEV_MAIL_PAGE": False}, {"MAIL_BACKEND": "smtp"}])
def test_the_mail_page_exists_only_where_enabled(backend: str, settings: dict[str, object]) -> None:
    app = make_test_app(backend, **settings)
    assert app.test_client().get("/entwicklung/post").status_code == 404


def test_production_refuses_the_mail_page() -> None:
    from server.config import ConfigurationError, load_config

    production = {"PORTAL_ENV": "production", "SECRET_KEY": "s" * 32, "PAYMENT_PROVIDER": "x"}
    assert load_config(environ=production)["DEV_MAIL_PAGE"] is False
    with pytest.raises(ConfigurationError, match="mail page"):
        load_config(environ={**production, "DEV_MAIL_PAGE": "yes"})


def test_registering_an_unconfirmed_address_again_never_takes_the_new_password(
    app: Flask, client: CheckingClient
) -> None:
    """The owner registered and has not confirmed yet; an attacker registers the same address
    with the attacker's password. No link in the owner's mailbox may set that password."""
    register(client, EMAIL, PASSWORD)
    owners_link = latest_link(app, EMAIL, "/konto/bestaetigen/")
    attacker = checking_client(app)
    assert register(attacker, EMAIL, "the attacker's passphrase").status_code == 302

    mails = mails_to(app, EMAIL)
    assert len(mails) == 2
    assert "Erneute Registrierung" in mails[-1].subject
    assert "/konto/bestaetigen/" not in mails[-1].body  # no link confirms a typed password
    assert "citizen.register_unconfirmed_again" in audit_actions(app)
    # The older link stopped working too: it could have been the attacker's.
    assert client.get(owners_link).status_code == 410
    refused = log_in(attacker, EMAIL, "the attacker's passphrase")
    assert refused.status_code == 422

    # The owner sets the password through the mailed link, which confirms the address.
    link = latest_link(app, EMAIL, "/konto/passwort-neu/")
    done = post_form(client, link, link, {"password": "mein eigenes neues Passwort"})
    assert done.status_code == 302
    assert log_in(client, EMAIL, "mein eigenes neues Passwort").status_code == 302
    assert log_in(attacker, EMAIL, "the attacker's passphrase").status_code == 422
