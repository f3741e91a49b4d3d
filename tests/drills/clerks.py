"""A clerk of the drills logs in to a running portal (``make_clerk`` made them)."""

from __future__ import annotations

import requests

from server.extensions import db
from tests.conftest import make_test_app
from tests.drills.common import csrf_token
from tests.drills.conftest import SECRET_KEY
from tests.drills.processes import PortalProcess, browser
from tests.factories import DEFAULT_PASSWORD
from tests.integration.helpers import unused_code


def log_in_clerk(portal: PortalProcess, database: str, username: str) -> requests.Session:
    """Password and authenticator code, as a clerk logs in; the clerk's browser."""
    clerk = browser()
    page = clerk.get(f"{portal.url}/verwaltung/anmelden", timeout=10)
    password = clerk.post(
        f"{portal.url}/verwaltung/anmelden",
        data={
            "csrf_token": csrf_token(page),
            "username": username,
            "password": DEFAULT_PASSWORD,
        },
        headers={"Referer": f"{portal.url}/verwaltung/anmelden"},
        allow_redirects=False,
        timeout=10,
    )
    assert password.status_code == 302, password.text[:300]
    code_page = clerk.get(f"{portal.url}/verwaltung/anmelden/code", timeout=10)
    app = make_test_app(database, SECRET_KEY=SECRET_KEY)
    try:
        code = unused_code(app, username)
    finally:
        with app.app_context():
            db.engine.dispose()
    entered = clerk.post(
        f"{portal.url}/verwaltung/anmelden/code",
        data={"csrf_token": csrf_token(code_page), "code": code},
        headers={"Referer": f"{portal.url}/verwaltung/anmelden/code"},
        allow_redirects=False,
        timeout=10,
    )
    assert entered.status_code == 302, entered.text[:300]
    return clerk
