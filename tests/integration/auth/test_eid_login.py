"""eID login against a real OpenID Provider (npm oidc-provider) behind a tamper proxy.

The citizen's browser is played by ``requests`` at the provider and by the Flask test client at
the portal; the portal's own calls (discovery, token, JWKS, userinfo) are real HTTP.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from server.auth.models import Citizen
from server.extensions import db
from tests.checking_client import CheckingClient, checking_client, csrf_token
from tests.conftest import empty_all_tables, make_test_app
from tests.integration.payments.test_payments_citizen import text_of
from tests.peers.oidc.fixtures import OidcProvider
from tests.threads import Wait, together

CALLBACK = "http://localhost/auth/eid/callback"


@dataclass
class Portal:
    app: Flask
    op: OidcProvider

    def client(self) -> CheckingClient:
        return checking_client(self.app)

    def start(self, client: CheckingClient, next_url: str = "/konto") -> str:
        response = client.get(f"/auth/eid/login?{urlencode({'next': next_url})}")
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        location = response.headers["Location"]
        assert location.startswith(self.op.issuer)
        return location

    def login(
        self, client: CheckingClient, account: str = "erika", next_url: str = "/konto"
    ) -> tuple[TestResponse, str]:
        authorization = self.start(client, next_url)
        callback = self.op.authorize(requests.Session(), authorization, account)
        return self.callback(client, callback), callback

    def callback(self, client: CheckingClient, url: str) -> TestResponse:
        assert url.startswith(CALLBACK), url
        parts = urlsplit(url)
        return client.get(f"{parts.path}?{parts.query}")


def portal_for(backend: str, op: OidcProvider) -> Portal:
    """The portal configured as the provider's registered client."""
    app = make_test_app(
        backend,
        OIDC_ISSUER=op.issuer,
        OIDC_CLIENT_ID=op.client_id,
        OIDC_CLIENT_SECRET=op.client_secret,
    )
    return Portal(app, op)


@pytest.fixture(autouse=True)
def clean_tables(backend: str) -> Iterator[None]:
    yield
    empty_all_tables(backend)


@pytest.fixture
def portal(backend: str, oidc_provider: OidcProvider) -> Portal:
    op = oidc_provider.start(
        redirect_uris=[CALLBACK], post_logout_redirect_uris=["http://localhost/konto"]
    )
    return portal_for(backend, op)


def citizens(app: Flask) -> list[Citizen]:
    with app.app_context():
        return list(db.session.query(Citizen).all())


def assert_refused(response: TestResponse, *words: str) -> None:
    assert response.status_code in (400, 502)
    text = text_of(response)
    assert "hat nicht geklappt" in text
    for word in words:
        assert word in text


def test_erika_logs_in_with_the_eid_and_sees_her_verified_data(portal: Portal) -> None:
    client = portal.client()
    response, callback = portal.login(client, "erika")
    assert response.status_code == 302
    assert response.headers["Location"] == "/konto"
    assert parse_qs(urlsplit(callback).query)["iss"] == [portal.op.issuer]
    account = text_of(client.get("/konto"))
    assert "Erika Mustermann" in account
    assert "Heidestraße 17, 51147 Köln" in account
    assert "hoch" in account
    [citizen] = citizens(portal.app)
    assert citizen.birthdate is not None
    assert (citizen.given_name, citizen.birthdate.isoformat(), citizen.trust_level) == (
        "Erika",
        "1964-08-12",
        "high",
    )
    # The portal used PKCE and the confidential client's secret.
    token_request = next(e for e in portal.op.proxy.exchanges if e.route == "/token")
    assert "code_verifier" in token_request.body.decode()


def test_trust_level_comes_from_acr(portal: Portal) -> None:
    client = portal.client()
    portal.login(client, "max")
    assert "substanziell" in text_of(client.get("/konto"))


def test_wrong_state_is_refused(portal: Portal) -> None:
    client = portal.client()
    authorization = portal.start(client)
    callback = portal.op.authorize(requests.Session(), authorization, "erika")
    forged = callback.replace("state=", "state=x")
    assert_refused(portal.callback(client, forged), "abgelaufen")
    assert citizens(portal.app) == []
    assert "Mit Online-Ausweis anmelden" in text_of(client.get("/konto"))


def test_a_replayed_code_is_refused(portal: Portal) -> None:
    first_browser = portal.client()
    _, used_callback = portal.login(first_browser, "erika")
    attacker = portal.client()
    fresh = portal.op.authorize(requests.Session(), portal.start(attacker), "max")
    fresh_state = parse_qs(urlsplit(fresh).query)["state"][0]
    old = parse_qs(urlsplit(used_callback).query)
    query = urlencode({"code": old["code"][0], "state": fresh_state, "iss": portal.op.issuer})
    replay = f"{CALLBACK}?{query}"
    assert_refused(portal.callback(attacker, replay))
    assert "Mit Online-Ausweis anmelden" in text_of(attacker.get("/konto"))


def test_a_wrong_nonce_is_refused(portal: Portal) -> None:
    client = portal.client()
    authorization = portal.start(client)
    with client.session_transaction() as session:
        for key, value in session.items():
            if key.startswith("_state_eid_"):
                value["data"]["nonce"] = "not-the-nonce"
                session[key] = value
    callback = portal.op.authorize(requests.Session(), authorization, "erika")
    assert_refused(portal.callback(client, callback))
    assert citizens(portal.app) == []


def test_a_token_signed_by_another_key_is_refused(portal: Portal) -> None:
    portal.op.proxy.mode = "foreign_jwks"
    response, _ = portal.login(portal.client(), "erika")
    assert_refused(response, "nicht bestätigt")
    assert citizens(portal.app) == []


@pytest.mark.parametrize(
    "override",
    [
        {"aud": "someone-else"},
        {"iss": "https://evil.example"},
        {"exp": 1_000_000_000, "iat": 999_999_000},
        {"nonce": None},
    ],
)
def test_wrong_claims_in_a_validly_signed_token_are_refused(
    portal: Portal, override: dict[str, object]
) -> None:
    portal.op.proxy.mode = "resign"
    portal.op.proxy.claims_override = override
    response, _ = portal.login(portal.client(), "erika")
    assert_refused(response, "nicht bestätigt")
    assert citizens(portal.app) == []


def test_a_wrong_issuer_is_refused(portal: Portal) -> None:
    portal.op.proxy.mode = "wrong_auth_iss"
    response, _ = portal.login(portal.client(), "erika")
    assert_refused(response, "nicht bestätigt")


def test_a_token_that_expired_in_transit_is_refused(
    portal: Portal, backend: str, oidc_provider: OidcProvider
) -> None:
    op = oidc_provider.start(redirect_uris=[CALLBACK], id_token_ttl_seconds=1)
    short = portal_for(backend, op)
    client = short.client()
    callback = op.authorize(requests.Session(), short.start(client), "erika")
    # Authlib allows two minutes of clock skew; this token was issued to expire long before.
    op.proxy.mode = "resign"
    op.proxy.claims_override = {"exp": int(time.time()) - 600, "iat": int(time.time()) - 900}
    assert_refused(short.callback(client, callback))


def test_missing_pkce_is_refused_by_the_provider(backend: str, oidc_provider: OidcProvider) -> None:
    op = oidc_provider.start(redirect_uris=[CALLBACK])
    portal = portal_for(backend, op)
    client = portal.client()
    authorization = portal.start(client)
    query = parse_qs(urlsplit(authorization).query)
    query.pop("code_challenge")
    query.pop("code_challenge_method")
    stripped = authorization.split("?")[0] + "?" + urlencode({k: v[0] for k, v in query.items()})
    result = op.authorize(requests.Session(), stripped, "erika")
    assert "error=" in result
    assert_refused(portal.callback(client, result), "abgebrochen oder vom Anmeldedienst abgelehnt")


def test_an_unregistered_redirect_uri_never_comes_back(
    backend: str, oidc_provider: OidcProvider
) -> None:
    op = oidc_provider.start(redirect_uris=["http://localhost/somewhere-else"])
    portal = portal_for(backend, op)
    with pytest.raises(AssertionError, match="provider answered"):
        op.authorize(requests.Session(), portal.start(portal.client()), "erika")
    assert citizens(portal.app) == []


def test_a_missing_birthdate_is_explained(portal: Portal) -> None:
    response, _ = portal.login(portal.client(), "nobirth")
    assert_refused(response, "Geburtsdatum")
    assert citizens(portal.app) == []


def test_the_provider_being_down_gives_a_clear_page(backend: str) -> None:
    app = make_test_app(
        backend, OIDC_ISSUER="http://127.0.0.1:9", OIDC_CLIENT_ID="x", OIDC_CLIENT_SECRET="y"
    )
    response = app.test_client().get("/auth/eid/login")
    assert response.status_code == 502
    assert "nicht erreichbar" in text_of(response)


def test_logout_ends_the_session_at_the_portal_and_the_provider(portal: Portal) -> None:
    client = portal.client()
    portal.login(client, "erika")
    page = client.get("/konto")
    response = client.post("/konto/abmelden", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(portal.op.end_session_endpoint)
    assert "id_token_hint=" in location
    assert "Mit Online-Ausweis anmelden" in text_of(client.get("/konto"))


def test_a_first_login_on_two_devices_at_once_makes_one_citizen(portal: Portal) -> None:
    """Erika's first eID login, finished on her phone and her laptop in the same moment: one
    record, both devices logged in to it, no error page."""
    devices = [portal.client() for _ in range(4)]
    callbacks = [
        portal.op.authorize(requests.Session(), portal.start(device), "erika") for device in devices
    ]

    def finish(device: CheckingClient, callback: str) -> Callable[[Wait], TestResponse]:
        def action(wait: Wait) -> TestResponse:
            wait()
            return portal.callback(device, callback)

        return action

    answers = together([finish(d, c) for d, c in zip(devices, callbacks, strict=True)])
    assert [answer.status_code for answer in answers] == [302] * len(devices)
    [citizen] = citizens(portal.app)
    for device in devices:
        assert "Erika Mustermann" in text_of(device.get("/konto"))
    with portal.app.app_context():
        assert citizen.id == db.session.scalar(select(Citizen.id))
