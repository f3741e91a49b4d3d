"""The development identity provider, driven over real HTTP through the portal's own eID client.

The portal is served by the live server; ``requests`` plays the citizen's browser, and the
portal's client fetches discovery, token, JWKS and userinfo from the same threaded server.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from datetime import date
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from bs4 import BeautifulSoup
from flask import Flask
from joserfc import jwt
from joserfc.jwk import KeySet

from server.auth.dev_idp.provider import client_credentials
from server.auth.models import Citizen
from server.extensions import db
from tests.checking_client import checking_client
from tests.conftest import LiveServer, serving


@pytest.fixture
def portal(backend: str) -> Iterator[LiveServer]:
    with serving(backend) as live:
        yield live


def text(html: str) -> str:
    return " ".join(BeautifulSoup(html, "lxml").get_text().split())


def form_of(html: str) -> tuple[str, dict[str, str]]:
    soup = BeautifulSoup(html, "lxml")
    form = soup.find("form", attrs={"method": "post", "class": "portal-stack"})
    assert form is not None, html[:2000]
    fields = {
        str(field["name"]): str(field.get("value", ""))
        for field in form.find_all("input")
        if field.get("name") and field.get("type") != "radio"
    }
    return str(form["action"]), fields


def choose(
    browser: requests.Session, page: requests.Response, person: str | None
) -> requests.Response:
    """Pick a test person on the provider's page (``None``: cancel); the provider's answer."""
    assert page.status_code in (200, 422), page.text[:2000]
    action, fields = form_of(page.text)
    if person is None:
        fields["action"] = "cancel"
    else:
        fields.update(action="login", person=person)
    return browser.post(urljoin(page.url, action), data=fields, allow_redirects=False, timeout=10)


def log_in(portal: LiveServer, person: str | None) -> tuple[requests.Session, requests.Response]:
    """Start at the portal's eID button, pick ``person``, follow back to the portal."""
    browser = requests.Session()
    start = browser.get(f"{portal.url}/auth/eid/login?next=/konto", allow_redirects=False)
    assert start.status_code == 302, start.text[:2000]
    authorization = start.headers["Location"]
    assert authorization.startswith(f"{portal.url}/dev-eid/authorize?")
    page = browser.get(authorization, timeout=10)
    assert "Erika Mustermann" in text(page.text)
    answer = choose(browser, page, person)
    assert answer.status_code == 302
    callback = answer.headers["Location"]
    assert callback.startswith(f"{portal.url}/auth/eid/callback?")
    assert parse_qs(urlsplit(callback).query)["iss"] == [f"{portal.url}/dev-eid"]
    return browser, browser.get(callback, timeout=30)


def citizens(app: Flask) -> list[Citizen]:
    with app.app_context():
        return list(db.session.query(Citizen).all())


def test_erika_logs_in_through_the_development_provider(portal: LiveServer) -> None:
    _, account = log_in(portal, "erika")
    assert account.url == f"{portal.url}/konto"
    shown = text(account.text)
    assert "Erika Mustermann" in shown
    assert "12.08.1964" in shown
    assert "Heidestraße 17, 51147 Köln" in shown
    assert "hoch" in shown
    [citizen] = citizens(portal.app)
    assert citizen.eid_issuer == f"{portal.url}/dev-eid"
    assert (citizen.given_name, citizen.family_name) == ("Erika", "Mustermann")
    assert citizen.birthdate == date(1964, 8, 12)
    assert (citizen.street, citizen.postal_code, citizen.locality) == (
        "Heidestraße 17",
        "51147",
        "Köln",
    )
    assert citizen.trust_level == "high"
    # The same test person again is the same citizen.
    log_in(portal, "erika")
    assert len(citizens(portal.app)) == 1


def test_the_elster_person_has_the_substantial_level(portal: LiveServer) -> None:
    _, account = log_in(portal, "max")
    assert "Max Mustermann" in text(account.text)
    assert "substanziell" in text(account.text)
    [citizen] = citizens(portal.app)
    assert citizen.trust_level == "substantial"


def test_a_person_without_address_is_refused_with_an_explanation(portal: LiveServer) -> None:
    browser, refused = log_in(portal, "leonie")
    assert refused.status_code == 400
    shown = text(refused.text)
    assert "hat nicht geklappt" in shown
    assert "nicht alle nötigen Angaben übermittelt (Anschrift)" in shown
    assert citizens(portal.app) == []
    assert "Mit Online-Ausweis anmelden" in text(browser.get(f"{portal.url}/konto").text)


def test_cancelling_at_the_provider_logs_nobody_in(portal: LiveServer) -> None:
    _, refused = log_in(portal, None)
    assert refused.status_code == 400
    assert "abgebrochen" in text(refused.text)
    assert citizens(portal.app) == []


def test_choosing_nobody_asks_again_and_keeps_the_request(portal: LiveServer) -> None:
    browser = requests.Session()
    start = browser.get(f"{portal.url}/auth/eid/login", allow_redirects=False)
    page = browser.get(start.headers["Location"])
    action, fields = form_of(page.text)
    again = browser.post(urljoin(page.url, action), data={**fields, "action": "login"})
    assert again.status_code == 422
    assert "Wählen Sie eine Testperson." in text(again.text)
    answer = choose(browser, again, "erika")
    assert answer.headers["Location"].startswith(f"{portal.url}/auth/eid/callback?code=")


def test_logout_goes_through_the_development_provider(portal: LiveServer) -> None:
    browser, account = log_in(portal, "erika")
    token = BeautifulSoup(account.text, "lxml").find("input", attrs={"name": "csrf_token"})
    assert token is not None
    response = browser.post(
        f"{portal.url}/konto/abmelden",
        data={"csrf_token": token["value"]},
        allow_redirects=False,
    )
    location = response.headers["Location"]
    assert location.startswith(f"{portal.url}/dev-eid/logout?")
    assert "id_token_hint=" in location
    back = browser.get(location, allow_redirects=False)
    assert back.status_code == 302
    assert back.headers["Location"] == f"{portal.url}/konto"
    assert "Mit Online-Ausweis anmelden" in text(browser.get(back.headers["Location"]).text)


# -- the provider as a relying party other than the portal's own client sees it ----------------


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class Client:
    """A hand-written relying party: every parameter is visible to the test."""

    def __init__(self, portal: LiveServer) -> None:
        self.portal = portal
        self.issuer = f"{portal.url}/dev-eid"
        self.client_id, self.secret = client_credentials(portal.app)
        self.redirect_uri = f"{portal.url}/auth/eid/callback"
        self.browser = requests.Session()
        self.nonce = secrets.token_urlsafe(16)
        self.verifier, self.challenge = pkce()
        self.metadata = requests.get(
            f"{self.issuer}/.well-known/openid-configuration", timeout=10
        ).json()

    def authorization_url(self, **changes: str | None) -> str:
        query: dict[str, str | None] = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": "openid profile email address",
            "state": "s-123",
            "nonce": self.nonce,
            "code_challenge": self.challenge,
            "code_challenge_method": "S256",
            **changes,
        }
        parameters = {key: value for key, value in query.items() if value is not None}
        return f"{self.metadata['authorization_endpoint']}?{urlencode(parameters)}"

    def authorize(self, person: str = "erika", **changes: str | None) -> dict[str, list[str]]:
        page = self.browser.get(self.authorization_url(**changes), allow_redirects=False)
        answer = page if page.is_redirect else choose(self.browser, page, person)
        location = answer.headers["Location"]
        assert location.startswith(self.redirect_uri + "?"), location
        return parse_qs(urlsplit(location).query)

    def token(
        self, code: str, *, secret: str | None = None, verifier: str | None = None
    ) -> requests.Response:
        return requests.post(
            self.metadata["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.redirect_uri,
                "code_verifier": verifier or self.verifier,
            },
            auth=(self.client_id, secret or self.secret),
            timeout=10,
        )


def test_the_id_token_verifies_with_the_published_keys(portal: LiveServer) -> None:
    client = Client(portal)
    assert client.metadata["issuer"] == client.issuer
    assert client.metadata["code_challenge_methods_supported"] == ["S256"]
    answer = client.authorize("erika")
    assert answer["state"] == ["s-123"]
    assert answer["iss"] == [client.issuer]
    response = client.token(answer["code"][0])
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    tokens = response.json()
    assert tokens["token_type"].lower() == "bearer"
    assert tokens["expires_in"] == 600
    keys = KeySet.import_key_set(requests.get(client.metadata["jwks_uri"], timeout=10).json())
    assert all("d" not in key for key in keys.as_dict()["keys"])  # public keys only
    id_token = jwt.decode(tokens["id_token"], keys, algorithms=["RS256"])
    claims = id_token.claims
    assert id_token.header["kid"] == keys.keys[0].kid
    assert claims["iss"] == client.issuer
    assert claims["aud"] == client.client_id
    assert claims["nonce"] == client.nonce
    assert claims["acr"] == "urn:eid:high"
    assert claims["sub"] == "dev-eid-erika-mustermann"
    assert claims["exp"] > claims["iat"]
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": client.issuer},
        aud={"essential": True, "value": client.client_id},
    ).validate(claims)
    userinfo = requests.get(
        client.metadata["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    )
    assert userinfo.status_code == 200
    assert userinfo.json()["address"]["postal_code"] == "51147"
    assert userinfo.json()["sub"] == claims["sub"]


def test_a_code_is_redeemed_once(portal: LiveServer) -> None:
    client = Client(portal)
    code = client.authorize()["code"][0]
    assert client.token(code).status_code == 200
    replay = client.token(code)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"


def test_the_token_endpoint_authenticates_the_client(portal: LiveServer) -> None:
    client = Client(portal)
    code = client.authorize()["code"][0]
    refused = client.token(code, secret="not-the-secret")
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"


def test_a_wrong_code_verifier_is_refused(portal: LiveServer) -> None:
    client = Client(portal)
    code = client.authorize()["code"][0]
    other_verifier, _ = pkce()
    refused = client.token(code, verifier=other_verifier)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "changes",
    [
        {"code_challenge": None, "code_challenge_method": None},
        {"code_challenge_method": "plain"},
        {"nonce": None},
    ],
)
def test_pkce_with_s256_and_a_nonce_are_required(
    portal: LiveServer, changes: dict[str, str | None]
) -> None:
    answer = Client(portal).authorize("erika", **changes)
    assert answer["error"] == ["invalid_request"]
    assert answer["state"] == ["s-123"]
    assert "code" not in answer


@pytest.mark.parametrize(
    "changes",
    [{"redirect_uri": "https://evil.example/callback"}, {"client_id": "someone-else"}],
)
def test_unknown_clients_and_redirect_uris_get_a_page_never_a_redirect(
    portal: LiveServer, changes: dict[str, str]
) -> None:
    client = Client(portal)
    page = client.browser.get(client.authorization_url(**changes), allow_redirects=False)
    assert page.status_code == 400
    assert "hat die Anfrage abgelehnt" in text(page.text)


def test_userinfo_needs_a_valid_token(portal: LiveServer) -> None:
    client = Client(portal)
    refused = requests.get(
        client.metadata["userinfo_endpoint"],
        headers={"Authorization": "Bearer made-up"},
        timeout=10,
    )
    assert refused.status_code == 401


def test_a_forged_id_token_hint_gets_no_redirect(portal: LiveServer) -> None:
    client = Client(portal)
    query = urlencode(
        {"id_token_hint": "eyJhbGciOiJub25lIn0.e30.", "post_logout_redirect_uri": client.issuer}
    )
    page = requests.get(
        f"{client.metadata['end_session_endpoint']}?{query}", allow_redirects=False, timeout=10
    )
    assert page.status_code == 400


def test_a_configured_provider_replaces_the_development_one(backend: str) -> None:
    from tests.conftest import make_test_app

    app = make_test_app(
        backend,
        OIDC_ISSUER="https://broker.example/realms/buerger",
        OIDC_CLIENT_ID="portal",
        OIDC_CLIENT_SECRET="s",
    )
    client = checking_client(app)
    assert client.get("/dev-eid/.well-known/openid-configuration").status_code == 404
    assert app.extensions["eid_settings"].issuer == "https://broker.example/realms/buerger"
    assert not app.extensions["eid_settings"].development
