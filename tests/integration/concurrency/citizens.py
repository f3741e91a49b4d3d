"""Citizens for the race scenarios: accounts made in the database, browsers logged in as after a
login, tabs of one browser, and the sandbox platform's side of paying online."""

from __future__ import annotations

import re
import uuid
from datetime import date

import requests
from sqlalchemy import select

from server.auth.models import Citizen
from server.extensions import db
from server.payments.models import OnlinePayment
from tests.checking_client import checking_client
from tests.integration.concurrency.harness import Browser, Portal, csrf_of


def make_citizen(portal: Portal, *, eid: bool = False, email: str | None = None) -> int:
    with portal.db() as session, db.transaction():
        subject = uuid.uuid4().hex
        citizen = Citizen(
            given_name="Erika",
            family_name="Mustermann",
            birthdate=date(1984, 1, 12),
            street="Heidestraße 17",
            postal_code="51147",
            locality="Köln",
            email=email or f"{subject[:12]}@example.de",
            trust_level="high" if eid else "low",
            eid_issuer="https://eid.example" if eid else None,
            eid_subject=subject if eid else None,
        )
        session.add(citizen)
        session.flush()
        return citizen.id


def logged_in(
    portal: Portal, citizen_id: int, *, trust: str = "low", count: int = 1
) -> list[Browser]:
    """``count`` browsers, each with its own session of the citizen (as after a login)."""
    name = portal.app.config["SESSION_COOKIE_NAME"]
    browsers = []
    for _ in range(count):
        client = checking_client(portal.app)
        with client.session_transaction() as session:
            session["citizen_id"] = citizen_id
            session["trust_level"] = trust
            session["login_method"] = "eid" if trust != "low" else "password"
        cookie = client.get_cookie(name)
        assert cookie is not None
        browser = Browser(portal.url)
        browser.cookies.set(name, cookie.value)
        browsers.append(browser)
    return browsers


def tabs(browser: Browser, count: int) -> list[Browser]:
    """``count`` tabs of one browser: the same cookies (one session), each its own connection."""
    copies = []
    for _ in range(count):
        tab = Browser(browser.base)
        tab.cookies.update(browser.cookies)
        copies.append(tab)
    return copies


def granted(portal: Portal, path: str, count: int) -> list[Browser]:
    """``count`` browsers that each followed a letter's link (``path``)."""
    browsers = portal.browsers(count)
    for browser in browsers:
        browser.page(path)
    return browsers


def attempts_of(portal: Portal, receivable_id: int) -> int:
    return portal.count(select(OnlinePayment).where(OnlinePayment.receivable_id == receivable_id))


def pay_at_platform(paypage_url: str, outcome: str = "PAYED") -> str:
    """The citizen on the sandbox platform's page: returns where the platform sends them back."""
    browser = requests.Session()
    form = browser.get(paypage_url, timeout=30)
    assert form.status_code == 200, form.text[:500]
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, form.text[:500]
    back = browser.post(
        paypage_url,
        data={"csrf_token": token.group(1), "outcome": outcome, "method": "PayPal"},
        allow_redirects=False,
        timeout=30,
    )
    assert back.status_code == 302, back.text[:500]
    return str(back.headers["Location"])


def csrf_for(browser: Browser, path: str) -> str:
    return csrf_of(browser.page(path).text)
