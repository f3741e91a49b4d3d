"""Playing a citizen with a password account: registering, reading the mails, logging in."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from server.extensions import db
from server.mail.models import OutboxMail
from tests.checking_client import CheckingClient, csrf_token, page_text

PASSWORD = "Heidestraße ist lang genug"
LINK = re.compile(r"https?://\S+")


def text_of(response: TestResponse) -> str:
    return page_text(response.get_data(as_text=True))


def mails_to(app: Flask, recipient: str) -> list[OutboxMail]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(OutboxMail).where(OutboxMail.recipient == recipient).order_by(OutboxMail.id)
            )
        )


def link_in(body: str, path_part: str) -> str:
    """The path (and query) of the first link in ``body`` containing ``path_part``."""
    urls: list[str] = LINK.findall(body)
    for url in urls:
        if path_part in url:
            parts = urlsplit(url)
            return parts.path + (f"?{parts.query}" if parts.query else "")
    raise AssertionError(f"no link with {path_part!r} in:\n{body}")


def latest_link(app: Flask, recipient: str, path_part: str) -> str:
    mails = mails_to(app, recipient)
    assert mails, f"no mail to {recipient}"
    return link_in(mails[-1].body, path_part)


def post_form(
    client: CheckingClient, page_url: str, action: str, data: dict[str, str]
) -> TestResponse:
    token = csrf_token(client.get(page_url))
    return client.post(action, data={"csrf_token": token, **data})


def register(client: CheckingClient, email: str, password: str = PASSWORD) -> TestResponse:
    return post_form(
        client,
        "/konto/registrieren",
        "/konto/registrieren",
        {"email": email, "password": password},
    )


def confirm(client: CheckingClient, link: str) -> TestResponse:
    page = client.get(link)
    assert page.status_code == 200, text_of(page)
    return client.post(link, data={"csrf_token": csrf_token(page)})


def log_in(
    client: CheckingClient, email: str, password: str = PASSWORD, **headers: str
) -> TestResponse:
    token = csrf_token(client.get("/konto"))
    return client.post(
        "/konto/anmelden",
        data={"csrf_token": token, "email": email, "password": password},
        headers=headers,
    )


def log_out(client: CheckingClient) -> TestResponse:
    return client.post("/konto/abmelden", data={"csrf_token": csrf_token(client.get("/konto"))})


def registered_account(
    app: Flask, client: CheckingClient, email: str, password: str = PASSWORD
) -> None:
    """A confirmed account (registered and confirmed through the mailed link)."""
    assert register(client, email, password).status_code == 302
    response = confirm(client, latest_link(app, email, "/konto/bestaetigen/"))
    assert response.status_code == 302
