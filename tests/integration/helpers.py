from __future__ import annotations

from werkzeug.test import TestResponse

from tests.checking_client import CheckingClient, csrf_token
from tests.factories import DEFAULT_PASSWORD


def log_in_clerk(
    client: CheckingClient,
    username: str,
    password: str = DEFAULT_PASSWORD,
    next_url: str | None = None,
) -> TestResponse:
    page = client.get("/verwaltung/anmelden")
    data = {"csrf_token": csrf_token(page), "username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/verwaltung/anmelden", data=data)
