"""Sessions live on the server: logout, timeouts and "Überall abmelden" really end them."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from flask import Flask
from flask import session as request_session
from sqlalchemy import select, update

from server.auth.citizens import get_citizen
from server.auth.models import Citizen, WebSession
from server.auth.session import start_citizen_session
from server.db import utcnow
from server.extensions import db
from tests.checking_client import CheckingClient, checking_client, csrf_token
from tests.conftest import empty_all_tables, make_test_app
from tests.factories import make_clerk, make_fine_case
from tests.integration.helpers import log_in_clerk
from tests.integration.payments.test_payments_citizen import text_of

COOKIE = "portal_session"


def make_citizen(app: Flask, given_name: str = "Erika") -> int:
    with app.app_context(), db.transaction() as session:
        citizen = Citizen(given_name=given_name, family_name="Mustermann", trust_level="low")
        session.add(citizen)
        session.flush()
        return citizen.id


def logged_in_citizen(app: Flask, citizen_id: int, user_agent: str = "") -> CheckingClient:
    """A browser in which the citizen is logged in (as after a login, without the provider)."""
    client = checking_client(app)
    if user_agent:
        client.environ_base["HTTP_USER_AGENT"] = user_agent
    with client.session_transaction(headers={"User-Agent": user_agent}) as session:
        session["citizen_id"] = citizen_id
        session["trust_level"] = "low"
    return client


def cookie_of(client: CheckingClient) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie else None


def session_rows(app: Flask) -> list[WebSession]:
    with app.app_context():
        return list(db.session.scalars(select(WebSession)))


def age_sessions(app: Flask, **times: datetime) -> None:
    with app.app_context(), db.transaction() as session:
        session.execute(update(WebSession).values(**times))


def test_the_cookie_carries_only_a_random_token_and_the_table_only_its_hash(
    client: CheckingClient,
) -> None:
    app = client.application
    make_clerk(app, username="ines")
    log_in_clerk(client, "ines")
    token = cookie_of(client)
    assert token
    rows = session_rows(app)
    assert [row.id for row in rows] == [hashlib.sha256(token.encode()).hexdigest()]
    assert "clerk_id" not in token
    assert rows[0].clerk_id is not None


def test_login_issues_a_new_session_and_logout_ends_it_on_the_server(
    client: CheckingClient,
) -> None:
    app = client.application
    make_clerk(app, username="ines")
    client.get("/verwaltung/anmelden")
    before_login = cookie_of(client)
    assert before_login
    log_in_clerk(client, "ines")
    after_login = cookie_of(client)
    assert after_login
    assert after_login != before_login

    # A planted (pre-login) id is worthless: it never became the logged-in session.
    planted = checking_client(app)
    planted.set_cookie(COOKIE, before_login)
    assert planted.get("/verwaltung/").status_code == 302

    # Someone who copied the cookie is logged out together with its owner.
    thief = checking_client(app)
    thief.set_cookie(COOKIE, after_login)
    assert thief.get("/verwaltung/").status_code == 200
    page = client.get("/verwaltung/")
    client.post("/verwaltung/abmelden", data={"csrf_token": csrf_token(page)})
    assert thief.get("/verwaltung/").status_code == 302
    assert session_rows(app) == [] or all(row.clerk_id is None for row in session_rows(app))


def test_a_session_ends_after_the_idle_timeout(client: CheckingClient) -> None:
    app = client.application
    make_clerk(app, username="ines")
    log_in_clerk(client, "ines")
    assert client.get("/verwaltung/").status_code == 200
    age_sessions(app, last_seen_at=utcnow() - timedelta(minutes=31))
    response = client.get("/verwaltung/")
    assert response.status_code == 302
    assert "/verwaltung/anmelden" in response.headers["Location"]


def test_a_session_ends_after_the_absolute_timeout_however_active(client: CheckingClient) -> None:
    app = client.application
    make_clerk(app, username="ines")
    log_in_clerk(client, "ines")
    age_sessions(app, created_at=utcnow() - timedelta(hours=12, minutes=1))
    assert client.get("/verwaltung/").status_code == 302


def test_an_expired_citizen_session_says_so_on_the_login_page(client: CheckingClient) -> None:
    app = client.application
    citizen = logged_in_citizen(app, make_citizen(app))
    assert "Angemeldete Geräte" in text_of(citizen.get("/konto"))
    age_sessions(app, last_seen_at=utcnow() - timedelta(hours=1))
    page = text_of(citizen.get("/konto"))
    assert "Ihre Sitzung ist abgelaufen" in page
    assert "Angemeldete Geräte" not in page


def test_the_account_lists_the_devices_and_ends_one_or_all(backend: str) -> None:
    app = make_test_app(backend)
    citizen_id = make_citizen(app)
    phone = logged_in_citizen(
        app,
        citizen_id,
        "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
    )
    tablet = logged_in_citizen(
        app,
        citizen_id,
        "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    )
    desk = logged_in_citizen(app, citizen_id, "Mozilla/5.0 (Windows NT 10.0) Firefox/128.0")
    stranger = logged_in_citizen(app, make_citizen(app, "Max"))

    page = phone.get("/konto")
    text = text_of(page)
    assert "Chrome auf Android" in text
    assert "Safari auf iOS" in text
    assert "Firefox auf Windows" in text
    assert "(dieses Gerät)" in text

    # End the tablet's session from the phone.
    with app.app_context():
        tablet_hash = hashlib.sha256((cookie_of(tablet) or "").encode()).hexdigest()
    response = phone.post(
        f"/konto/sitzungen/{tablet_hash[:12]}/beenden", data={"csrf_token": csrf_token(page)}
    )
    assert response.status_code == 302
    assert "Die Sitzung auf dem anderen Gerät ist beendet" in text_of(phone.get("/konto"))
    assert "Angemeldete Geräte" not in text_of(tablet.get("/konto"))
    assert "Angemeldete Geräte" in text_of(desk.get("/konto"))

    # "Überall abmelden" ends this device and every other, and no one else's.
    page = phone.get("/konto")
    phone.post("/konto/ueberall-abmelden", data={"csrf_token": csrf_token(page)})
    after = text_of(phone.get("/konto"))
    assert "Sie sind jetzt auf allen Geräten abgemeldet" in after
    assert "Angemeldete Geräte" not in after
    assert "Angemeldete Geräte" not in text_of(desk.get("/konto"))
    assert "Angemeldete Geräte" in text_of(stranger.get("/konto"))
    with app.app_context():
        db.engine.dispose()
    empty_all_tables(backend)


def test_another_citizens_session_cannot_be_ended(client: CheckingClient) -> None:
    app = client.application
    mine = logged_in_citizen(app, make_citizen(app))
    theirs = logged_in_citizen(app, make_citizen(app, "Max"))
    their_hash = hashlib.sha256((cookie_of(theirs) or "").encode()).hexdigest()
    page = mine.get("/konto")
    mine.post(f"/konto/sitzungen/{their_hash[:12]}/beenden", data={"csrf_token": csrf_token(page)})
    assert "Angemeldete Geräte" in text_of(theirs.get("/konto"))


def test_a_case_opened_while_logged_in_stays_in_the_account_on_every_device(
    client: CheckingClient,
) -> None:
    app = client.application
    case = make_fine_case(app)
    citizen_id = make_citizen(app)
    phone = logged_in_citizen(app, citizen_id)
    assert text_of(phone.get("/konto")).count(case["aktenzeichen"]) == 0
    phone.get(f"/b/{case['token']}")

    desk = logged_in_citizen(app, citizen_id)
    account = text_of(desk.get("/konto"))
    assert case["aktenzeichen"] in account
    assert "Verwarnungen und Bußgelder" in account
    assert "offen" in account
    # The account opens the case without the letter ...
    assert desk.get(f"/bussgeld/fall/{case['aktenzeichen']}").status_code == 200
    # ... but another citizen without the letter still cannot.
    other = logged_in_citizen(app, make_citizen(app, "Max"))
    assert other.get(f"/bussgeld/fall/{case['aktenzeichen']}").status_code in (302, 403, 404)


def test_a_case_opened_before_logging_in_joins_the_account_at_login(
    client: CheckingClient,
) -> None:
    app = client.application
    case = make_fine_case(app)
    citizen_id = make_citizen(app)
    client.get(f"/b/{case['token']}")
    with client.session_transaction() as session:
        opened = list(session["fine_cases"])
    # The login, as the eID and password logins call it, in the browser that opened the letter.
    with app.test_request_context("/"):
        request_session["fine_cases"] = opened
        citizen = get_citizen(citizen_id)
        assert citizen is not None
        start_citizen_session(citizen, id_token=None)
    assert case["aktenzeichen"] in text_of(logged_in_citizen(app, citizen_id).get("/konto"))


def test_over_https_the_cookie_is_a_secure_host_cookie(backend: str) -> None:
    app = make_test_app(backend, PORTAL_BASE_URL="https://portal.example")
    make_clerk(app, username="ines")
    client = checking_client(app)
    response = client.get("/verwaltung/anmelden", base_url="https://portal.example")
    header = next(
        value for value in response.headers.getlist("Set-Cookie") if "portal_session" in value
    )
    assert header.startswith("__Host-portal_session=")
    assert "Secure" in header
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Path=/" in header
    assert "Domain" not in header
    with app.app_context():
        db.engine.dispose()
    empty_all_tables(backend)


def test_reading_pages_costs_no_session_row_and_forms_still_work(client: CheckingClient) -> None:
    """Visitors and bots that only read pages must not grow the session table; the CSRF secret
    of their forms travels in the signed cookie until something worth keeping comes."""
    app = client.application
    for _ in range(20):
        bot = checking_client(app)
        assert bot.get("/").status_code == 200
        assert bot.get("/dienste").status_code == 200
    page = client.get("/konto/registrieren")
    assert page.status_code == 200
    assert session_rows(app) == []
    anonymous = cookie_of(client)
    assert anonymous is not None
    assert anonymous.startswith("a.")
    # The form's CSRF token from that cookie is accepted; a forged cookie's is not.
    sent = client.post(
        "/konto/registrieren",
        data={
            "csrf_token": csrf_token(page),
            "email": "erika@example.org",
            "password": "Heidestraße ist lang genug",
        },
    )
    assert sent.status_code == 302
    forged = checking_client(app)
    forged.set_cookie(COOKIE, "a." + anonymous[2:-4] + "AAAA")
    refused = forged.post(
        "/konto/registrieren",
        data={"csrf_token": csrf_token(page), "email": "x@example.org", "password": "egal"},
    )
    assert refused.status_code == 400
    # A login moves the session into a row, under a new random token.
    make_clerk(app, username="ines")
    log_in_clerk(client, "ines")
    token = cookie_of(client)
    assert token is not None
    assert not token.startswith("a.")
    assert [row.id for row in session_rows(app)] == [hashlib.sha256(token.encode()).hexdigest()]
