"""The draft key: one per session, never cached, gone with the session."""

from __future__ import annotations

import base64
from typing import TypedDict

from flask import Flask

from tests.checking_client import CheckingClient, checking_client, csrf_token
from tests.factories import make_clerk
from tests.integration.helpers import log_in_clerk


class DraftKey(TypedDict):
    """The JSON of ``/entwuerfe/schluessel``."""

    algorithm: str
    key: str
    id: str
    csrf: str
    citizen: bool


def _key(client: CheckingClient) -> DraftKey:
    response = client.get("/entwuerfe/schluessel")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    key: DraftKey = response.get_json()
    return key


def test_a_session_keeps_one_random_256_bit_key(client: CheckingClient) -> None:
    first = _key(client)
    assert first["algorithm"] == "AES-GCM"
    assert first["citizen"] is False
    assert first["csrf"]
    raw = base64.urlsafe_b64decode(first["key"] + "=" * (-len(first["key"]) % 4))
    assert len(raw) == 32
    assert _key(client)["key"] == first["key"]
    # The session cookie carries only the id, never the key itself.
    cookie = client.get_cookie("portal_session")
    assert cookie is not None
    assert first["key"] not in cookie.value


def test_another_session_gets_another_key(app: Flask) -> None:
    one, other = checking_client(app), checking_client(app)
    assert _key(one)["key"] != _key(other)["key"]
    assert _key(one)["id"] != _key(other)["id"]


def test_logging_out_ends_the_key(app: Flask, client: CheckingClient) -> None:
    make_clerk(app, username="bussgeld")
    log_in_clerk(client, "bussgeld")
    before = _key(client)
    page = client.get("/verwaltung/")
    client.post("/verwaltung/abmelden", data={"csrf_token": csrf_token(page)})
    assert _key(client)["id"] != before["id"]


def test_a_citizen_login_keeps_the_drafts_typed_before(app: Flask) -> None:
    from tests.integration.auth.test_sessions import make_citizen

    browser = checking_client(app)
    before = _key(browser)
    with browser.session_transaction() as session:
        session["citizen_id"] = make_citizen(app)
    after = _key(browser)
    assert after["citizen"] is True
    assert after["id"] == before["id"]


def test_a_session_that_times_out_keeps_the_drafts(app: Flask) -> None:
    """A form filled over several sittings: the idle timeout ends the login, not the draft."""
    from datetime import timedelta

    from sqlalchemy import update

    from server.auth.models import WebSession
    from server.db import utcnow
    from server.extensions import db

    browser = checking_client(app)
    before = _key(browser)
    with app.app_context(), db.transaction() as session:
        session.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(days=1)))
    assert _key(browser)["id"] == before["id"]
    cookie = browser.get_cookie("portal_drafts")
    assert cookie is not None
    assert before["key"] not in cookie.value
