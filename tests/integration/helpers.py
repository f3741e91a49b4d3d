from __future__ import annotations

import time

import pyotp
from flask import Flask
from werkzeug.test import TestResponse

from tests.checking_client import CheckingClient, csrf_token
from tests.factories import DEFAULT_PASSWORD, DEFAULT_TOTP_SECRET

CODE_PAGE = "/verwaltung/anmelden/code"


def unused_code(app: Flask, username: str, secret: str = DEFAULT_TOTP_SECRET) -> str:
    """A code the portal accepts now: the current one, or the next one if the clerk already used
    the current one (the portal accepts one step ahead and every step only once)."""
    from server.auth.clerks import find_clerk
    from server.auth.second_factor_models import ClerkTotp
    from server.extensions import db

    with app.app_context():
        clerk = find_clerk(username)
        row = db.session.get(ClerkTotp, clerk.id) if clerk else None
        last = row.last_step if row and row.last_step is not None else -1
    totp = pyotp.TOTP(secret)
    now = int(time.time() // 30)
    if last >= now + 1:  # two logins in this step already: wait for the next one
        time.sleep(30 - time.time() % 30 + 0.1)
        now += 1
    return totp.at(max(now, last + 1) * 30)


def enter_code(client: CheckingClient, code: str) -> TestResponse:
    page = client.get(CODE_PAGE)
    if page.status_code != 200:  # no pending login (any more): post anyway, as a stale tab would
        page = client.get("/verwaltung/anmelden")
    return client.post(CODE_PAGE, data={"csrf_token": csrf_token(page), "code": code})


def log_in_clerk(
    client: CheckingClient,
    username: str,
    password: str = DEFAULT_PASSWORD,
    next_url: str | None = None,
    totp_secret: str = DEFAULT_TOTP_SECRET,
) -> TestResponse:
    """Password, then the authenticator code: the response of the last step taken (the
    password's if it was refused, else the code's)."""
    page = client.get("/verwaltung/anmelden")
    data = {"csrf_token": csrf_token(page), "username": username, "password": password}
    if next_url:
        data["next"] = next_url
    response = client.post("/verwaltung/anmelden", data=data)
    if response.status_code != 302 or response.headers["Location"] != CODE_PAGE:
        return response
    return enter_code(client, unused_code(client.application, username, totp_secret))
