"""``next`` after a login: a same-origin path is followed, anything else gives the default page.

Every bad target here once passed the check or gave a 500 (a newline in a header). Werkzeug decodes
the query string, so ``/%09/evil.example`` in a link arrives as ``/<tab>/evil.example``.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from flask import Flask

from tests.checking_client import CheckingClient, csrf_token
from tests.conftest import empty_all_tables
from tests.factories import DEFAULT_PASSWORD, make_clerk
from tests.integration.accounts_helpers import PASSWORD, registered_account
from tests.integration.auth.test_eid_login import Portal, portal_for
from tests.integration.helpers import log_in_clerk, unused_code
from tests.peers.oidc.fixtures import OidcProvider

BAD_NEXT = [
    "/\t/evil.example/phish",
    "/\n/evil.example/phish",
    "/konto\r\nSet-Cookie: stolen=1",
    "/konto\n",
    "//evil.example",
    "/\\evil.example",
    "\\/evil.example",
    " //evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "/%2F/evil.example",
    "／／evil.example",
]
GOOD_NEXT = "/verwaltung/antraege?status=offen"
EMAIL = "erika@example.org"


@pytest.fixture(autouse=True)
def clean_tables(backend: str) -> Iterator[None]:
    yield
    empty_all_tables(backend)


def citizen_login(client: CheckingClient, next_url: str, *, htmx: bool = False) -> str:
    """Log in on the account page opened with ``?next=``; where the portal sends the browser."""
    page = client.get(f"/konto?{urlencode({'next': next_url})}")
    assert page.status_code == 200
    response = client.post(
        f"/konto/anmelden?{urlencode({'next': next_url})}",
        data={"csrf_token": csrf_token(page), "email": EMAIL, "password": PASSWORD},
        headers={"HX-Request": "true"} if htmx else {},
    )
    if htmx:
        assert response.status_code == 204
        return response.headers["HX-Redirect"]
    assert response.status_code == 302
    return response.headers["Location"]


@pytest.mark.parametrize("next_url", BAD_NEXT)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_citizen_login_with_a_bad_next_goes_to_the_account(
    app: Flask, client: CheckingClient, next_url: str, htmx: bool
) -> None:
    registered_account(app, client, EMAIL)
    assert citizen_login(client, next_url, htmx=htmx) == "/konto"


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_citizen_login_with_a_good_next_goes_there(
    app: Flask, client: CheckingClient, htmx: bool
) -> None:
    registered_account(app, client, EMAIL)
    assert citizen_login(client, "/konto/post?x=1", htmx=htmx) == "/konto/post?x=1"


def test_the_hidden_next_field_carries_only_the_normalised_path(
    app: Flask, client: CheckingClient
) -> None:
    assert 'value="/\\' not in client.get("/konto?next=/%5Cevil.example").get_data(as_text=True)
    page = client.get(f"/konto?{urlencode({'next': '/konto?q=Müller'})}").get_data(as_text=True)
    assert "/konto?q=M%C3%BCller" in page


@pytest.mark.parametrize("next_url", BAD_NEXT)
def test_clerk_login_with_a_bad_next_goes_to_the_overview(
    client: CheckingClient, next_url: str
) -> None:
    make_clerk(client.application, username="clerk")
    response = log_in_clerk(client, "clerk", next_url=next_url)
    assert response.status_code == 302
    assert response.headers["Location"] == "/verwaltung/"


def test_clerk_login_with_a_good_next_goes_there(client: CheckingClient) -> None:
    make_clerk(client.application, username="clerk")
    response = log_in_clerk(client, "clerk", next_url=GOOD_NEXT)
    assert response.headers["Location"] == GOOD_NEXT


@pytest.mark.parametrize("next_url", ["/\t/evil.example", "/\n/evil.example", GOOD_NEXT])
def test_htmx_clerk_login_with_the_next_in_the_query(client: CheckingClient, next_url: str) -> None:
    make_clerk(client.application, username="clerk")
    query = urlencode({"next": next_url})
    page = client.get(f"/verwaltung/anmelden?{query}")
    assert page.status_code == 200
    response = client.post(
        f"/verwaltung/anmelden?{query}",
        headers={"HX-Request": "true"},
        data={"csrf_token": csrf_token(page), "username": "clerk", "password": DEFAULT_PASSWORD},
    )
    assert response.headers["HX-Redirect"] == "/verwaltung/anmelden/code"
    code_page = client.get("/verwaltung/anmelden/code")
    response = client.post(
        "/verwaltung/anmelden/code",
        headers={"HX-Request": "true"},
        data={
            "csrf_token": csrf_token(code_page),
            "code": unused_code(client.application, "clerk"),
        },
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == (
        next_url if next_url == GOOD_NEXT else "/verwaltung/"
    )


@pytest.fixture
def portal(backend: str, oidc_provider: OidcProvider) -> Portal:
    op = oidc_provider.start(redirect_uris=["http://localhost/auth/eid/callback"])
    return portal_for(backend, op)


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [("/\n/evil.example", "/konto"), ("/\t/evil.example", "/konto"), (GOOD_NEXT, GOOD_NEXT)],
)
def test_eid_login_follows_only_a_safe_next(portal: Portal, next_url: str, expected: str) -> None:
    response, _callback = portal.login(portal.client(), "erika", next_url=next_url)
    assert response.status_code == 302
    assert response.headers["Location"] == expected
