"""Citizens' accounts and sessions: registering, confirming, a new password, the personal data,
ending sessions."""

from __future__ import annotations

import hashlib

import requests
from sqlalchemy import select

from server.audit.models import AuditEntry
from server.auth.models import Citizen, WebSession
from tests.integration.accounts_helpers import PASSWORD, latest_link
from tests.integration.concurrency.citizens import logged_in, make_citizen
from tests.integration.concurrency.harness import (
    Browser,
    Portal,
    Reply,
    assert_race,
    csrf_of,
    race,
)

SMALL = 8
NEW_PASSWORD = "Ein ganz neues Passwort am Rhein"


def audited(portal: Portal, action: str, citizen_id: int) -> int:
    return portal.count(
        select(AuditEntry).where(
            AuditEntry.action == action, AuditEntry.record_id == str(citizen_id)
        )
    )


def account_of(portal: Portal, email: str) -> int:
    with portal.db() as session:
        found = session.scalar(select(Citizen.id).where(Citizen.login_email == email))
        assert found is not None
        return found


def registered(portal: Portal, *, confirmed: bool) -> tuple[str, int]:
    from server.auth import accounts

    email = f"{portal.unique('konto')}@example.de"
    with portal.db():
        accounts.register(email, PASSWORD)
    if confirmed:
        link = latest_link(portal.app, email, "/konto/bestaetigen/")
        with portal.db():
            accounts.confirm(link.rsplit("/", 1)[-1])
    return email, account_of(portal, email)


def post_link(browsers: list[Browser], link: str, data: dict[str, str]) -> list[Reply]:
    tokens: dict[int, str] = {}

    def prepare(browser: Browser, index: int) -> None:
        tokens[index] = csrf_of(browser.page(link).text)

    return race(
        browsers,
        lambda browser, index: browser.post(link, data={"csrf_token": tokens[index], **data}),
        prepare=prepare,
    )


def test_register(portal: Portal) -> None:
    """One address registered N times at once: one account; every answer is the same page."""
    email = f"{portal.unique('neu')}@example.de"
    replies = post_link(
        portal.browsers(SMALL), "/konto/registrieren", {"email": email, "password": PASSWORD}
    )
    assert_race(
        replies,
        effects=portal.count(select(Citizen).where(Citizen.login_email == email)),
        what="accounts for one address",
        loser=lambda reply: reply.status == 200 and "/konto/post-unterwegs" in reply.url,
    )


def test_confirm(portal: Portal) -> None:
    email, citizen_id = registered(portal, confirmed=False)
    link = latest_link(portal.app, email, "/konto/bestaetigen/")
    replies = post_link(portal.browsers(SMALL), link, {})
    assert_race(
        replies,
        effects=audited(portal, "citizen.confirm", citizen_id),
        what="confirmations",
        loser=lambda reply: reply.status == 200 and "hinweis=bestaetigt" in reply.url,
    )


def test_reset_password(portal: Portal) -> None:
    """One reset link used N times at once: one new password; the others are told the link
    is used."""
    from server.auth import accounts

    email, citizen_id = registered(portal, confirmed=True)
    with portal.db():
        accounts.request_reset(email)
    link = latest_link(portal.app, email, "/konto/passwort-neu/")
    replies = post_link(portal.browsers(SMALL), link, {"password": NEW_PASSWORD})
    assert_race(
        replies,
        effects=audited(portal, "citizen.password_reset", citizen_id),
        what="password resets",
        loser=lambda reply: reply.status == 410 and "Der Link wurde schon benutzt" in reply.text,
        winner=lambda reply: reply.status == 200 and "hinweis=passwort-neu" in reply.url,
    )


def test_personal_data(portal: Portal) -> None:
    """The same new address saved from N devices at once: one change."""
    citizen_id = make_citizen(portal)
    browsers = logged_in(portal, citizen_id, count=SMALL)
    data = {
        "given_name": "Erika",
        "family_name": "Musterfrau",
        "street": "Rheinufer 3",
        "postal_code": "50667",
        "locality": "Köln",
    }
    replies = post_link(browsers, "/konto/daten", data)
    with portal.db() as session:
        citizen = session.get(Citizen, citizen_id)
        assert citizen is not None
        assert (citizen.family_name, citizen.street) == ("Musterfrau", "Rheinufer 3")
    assert_race(
        replies,
        effects=audited(portal, "citizen.data_changed", citizen_id),
        what="changes of personal data",
        loser=lambda reply: reply.status == 200 and "hinweis=daten" in reply.url,
    )


def sessions_of(portal: Portal, citizen_id: int) -> int:
    return portal.count(select(WebSession).where(WebSession.citizen_id == citizen_id))


def test_end_one_session(portal: Portal) -> None:
    """N devices end the same other session at once: it ends once."""
    citizen_id = make_citizen(portal)
    (other,) = logged_in(portal, citizen_id)
    token = next(iter(other.cookies.values()))
    assert token is not None
    short_id = hashlib.sha256(token.encode()).hexdigest()[:12]
    browsers = logged_in(portal, citizen_id, count=SMALL)
    tokens = {index: csrf_of(browser.page("/konto").text) for index, browser in enumerate(browsers)}

    def send(browser: Browser, index: int) -> requests.Response:
        return browser.post(
            f"/konto/sitzungen/{short_id}/beenden", data={"csrf_token": tokens[index]}
        )

    replies = race(browsers, send)
    assert_race(
        replies,
        effects=audited(portal, "citizen.session.end", citizen_id),
        what="ends of one session",
        winner=lambda reply: "Die Sitzung auf dem anderen Gerät ist beendet" in reply.text,
    )
    assert sessions_of(portal, citizen_id) == SMALL


def signed_out(reply: Reply) -> bool:
    """Another device was first: this one is told it is signed out already, or (its session
    ended before its request was read) sees the account page of an ended session, or (its
    session, which holds the form's CSRF secret, ended before the token was checked) is asked
    to reload the page, which then shows it signed out."""
    return (
        "Sie sind schon auf allen Geräten abgemeldet" in reply.text
        or (reply.status == 200 and "Ihre Sitzung ist abgelaufen" in reply.text)
        or (reply.status == 400 and '"status":"csrf"' in reply.text)
    )


def test_sign_out_everywhere(portal: Portal) -> None:
    """ "Überall abmelden" from N devices at once: every session ends, once."""
    citizen_id = make_citizen(portal)
    browsers = logged_in(portal, citizen_id, count=SMALL)
    tokens = {index: csrf_of(browser.page("/konto").text) for index, browser in enumerate(browsers)}
    replies = race(
        browsers,
        lambda browser, index: browser.post(
            "/konto/ueberall-abmelden", data={"csrf_token": tokens[index]}
        ),
    )
    assert sessions_of(portal, citizen_id) == 0
    assert_race(
        replies,
        effects=audited(portal, "citizen.session.end_all", citizen_id),
        what="sign-outs everywhere",
        loser=signed_out,
        winner=lambda reply: "Sie sind jetzt auf allen Geräten abgemeldet" in reply.text,
    )
