"""The OIDC test peer itself, without the portal: a real provider that behaves as the eID login
will, and a tamper proxy whose every mode breaks ID token verification in the intended way."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    MissingClaimError,
)
from joserfc.jwk import KeySet, KeySetSerialization
from joserfc.jwt import JWTClaimsRegistry

from tests.peers.oidc import fixtures as peer_fixtures
from tests.peers.oidc.fixtures import (
    ACR_HIGH,
    ACR_LOW,
    ACR_SUBSTANTIAL,
    DEFAULT_ACCOUNTS,
    OidcPeerProcess,
    OidcProvider,
)

# The fixtures, for this module (the portal's tests get them from tests/conftest.py).
oidc_peer_process = peer_fixtures.oidc_peer_process
oidc_provider = peer_fixtures.oidc_provider

REDIRECT_URI = "http://127.0.0.1:9/anmelden/eid/callback"  # never requested
POST_LOGOUT_URI = "http://127.0.0.1:9/abgemeldet"
SCOPE = "openid profile email address"


@dataclass
class Flow:
    verifier: str
    state: str
    nonce: str
    callback: dict[str, str]


@pytest.fixture
def op(oidc_provider: OidcProvider) -> OidcProvider:
    return oidc_provider.start(
        redirect_uris=[REDIRECT_URI], post_logout_redirect_uris=[POST_LOGOUT_URI]
    )


@pytest.fixture
def http() -> requests.Session:
    return requests.Session()


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_url(op: OidcProvider, **params: str | None) -> str:
    query = {
        "response_type": "code",
        "client_id": op.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": SCOPE,
        **params,
    }
    return f"{op.authorization_endpoint}?{urlencode({k: v for k, v in query.items() if v})}"


def callback_params(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == REDIRECT_URI, url
    return {name: values[0] for name, values in parse_qs(parts.query).items()}


def log_in(op: OidcProvider, http: requests.Session, account: str | None = "erika") -> Flow:
    verifier, challenge = pkce_pair()
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    url = authorization_url(
        op, state=state, nonce=nonce, code_challenge=challenge, code_challenge_method="S256"
    )
    return Flow(verifier, state, nonce, callback_params(op.authorize(http, url, account)))


def exchange(
    op: OidcProvider, code: str, verifier: str | None, *, method: str = "client_secret_basic"
) -> requests.Response:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    if verifier is not None:
        data["code_verifier"] = verifier
    auth = None
    if method == "client_secret_basic":
        auth = (op.client_id, op.client_secret)
    else:
        data |= {"client_id": op.client_id, "client_secret": op.client_secret}
    return requests.post(op.token_endpoint, data=data, auth=auth, timeout=10)


def tokens_for(op: OidcProvider, http: requests.Session, account: str = "erika") -> Flow:
    flow = log_in(op, http, account)
    response = exchange(op, flow.callback["code"], flow.verifier)
    assert response.status_code == 200, response.text
    flow.callback |= response.json()
    return flow


def verify_id_token(
    id_token: str, jwks: KeySetSerialization, *, issuer: str, client_id: str, nonce: str
) -> dict[str, Any]:
    """What the portal's client does (Authlib verifies with joserfc): signature, then claims."""
    token = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=["RS256"])
    JWTClaimsRegistry(
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client_id},
        nonce={"essential": True, "value": nonce},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
    ).validate(token.claims)
    return dict(token.claims)


def jwks_of(op: OidcProvider) -> KeySetSerialization:
    response = requests.get(op.metadata()["jwks_uri"], timeout=10)
    response.raise_for_status()
    keys: KeySetSerialization = response.json()
    return keys


# -- discovery -------------------------------------------------------------------------------


def test_discovery_advertises_the_eid_profile(op: OidcProvider) -> None:
    metadata = op.metadata()

    assert metadata["issuer"] == op.issuer == op.proxy.url
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["authorization_response_iss_parameter_supported"] is True
    assert metadata["end_session_endpoint"] == op.end_session_endpoint
    assert metadata["authorization_endpoint"] == op.authorization_endpoint
    assert metadata["token_endpoint"] == op.token_endpoint
    assert metadata["userinfo_endpoint"] == op.userinfo_endpoint
    assert metadata["jwks_uri"] == op.jwks_uri
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["acr_values_supported"] == [ACR_LOW, ACR_SUBSTANTIAL, ACR_HIGH]
    assert set(metadata["scopes_supported"]) == {"openid", "profile", "email", "address"}
    assert set(metadata["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
    }
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
    assert {"sub", "given_name", "family_name", "birthdate", "address", "email", "acr"} <= set(
        metadata["claims_supported"]
    )
    # Every endpoint is reached through the proxy.
    for key, value in metadata.items():
        if key.endswith("_endpoint") or key == "jwks_uri":
            assert value.startswith(op.issuer + "/"), key


def test_the_process_prints_ready_and_exits_cleanly_on_sigterm(
    tmp_path: Path, oidc_peer_process: OidcPeerProcess
) -> None:
    peer = OidcPeerProcess(tmp_path, node=oidc_peer_process.node).start()  # checks READY <issuer>
    assert requests.get(f"{peer.issuer}/jwks", timeout=10).status_code == 200
    assert peer.stop() == 0, peer.log()


# -- the code flow ---------------------------------------------------------------------------


@pytest.mark.parametrize(("account", "acr"), [("erika", ACR_HIGH), ("max", ACR_SUBSTANTIAL)])
def test_code_flow_with_pkce_yields_verified_id_token_and_userinfo(
    op: OidcProvider, http: requests.Session, account: str, acr: str
) -> None:
    flow = log_in(op, http, account)

    assert flow.callback["state"] == flow.state
    assert flow.callback["iss"] == op.issuer  # RFC 9207
    assert set(flow.callback) == {"code", "state", "iss"}

    response = exchange(op, flow.callback["code"], flow.verifier)
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["token_type"].lower() == "bearer"

    claims = verify_id_token(
        tokens["id_token"], jwks_of(op), issuer=op.issuer, client_id=op.client_id, nonce=flow.nonce
    )
    assert claims["sub"] == account
    assert claims["acr"] == acr == op.accounts[account]["acr"]
    assert claims["exp"] - claims["iat"] == 3600

    userinfo = requests.get(
        op.userinfo_endpoint,
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    )
    assert userinfo.status_code == 200, userinfo.text
    expected = {k: v for k, v in DEFAULT_ACCOUNTS[account].items() if k != "acr"}
    assert userinfo.json() == {"sub": account, **expected}


def test_userinfo_of_a_person_without_birthdate_lacks_it(
    op: OidcProvider, http: requests.Session
) -> None:
    flow = tokens_for(op, http, "nobirth")
    userinfo = requests.get(
        op.userinfo_endpoint,
        headers={"Authorization": f"Bearer {flow.callback['access_token']}"},
        timeout=10,
    ).json()
    assert "birthdate" not in userinfo
    assert userinfo["family_name"] == "Ohnedatum"


def test_a_code_cannot_be_used_twice(op: OidcProvider, http: requests.Session) -> None:
    flow = log_in(op, http)
    assert exchange(op, flow.callback["code"], flow.verifier).status_code == 200

    second = exchange(op, flow.callback["code"], flow.verifier)
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"


def test_a_wrong_code_verifier_is_refused(op: OidcProvider, http: requests.Session) -> None:
    flow = log_in(op, http)
    wrong, _ = pkce_pair()
    for verifier in (wrong, None):
        response = exchange(op, flow.callback["code"], verifier)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("registered", ["client_secret_basic", "client_secret_post"])
@pytest.mark.parametrize("used", ["client_secret_basic", "client_secret_post"])
def test_client_secret_basic_and_post_are_both_accepted(
    oidc_provider: OidcProvider, http: requests.Session, registered: str, used: str
) -> None:
    # oidc-provider 9 accepts either secret method from a client registered with one of them.
    op = oidc_provider.start([REDIRECT_URI], token_endpoint_auth_method=registered)
    flow = log_in(op, http)
    response = exchange(op, flow.callback["code"], flow.verifier, method=used)
    assert response.status_code == 200, response.text


def test_a_wrong_client_secret_is_refused(op: OidcProvider, http: requests.Session) -> None:
    flow = log_in(op, http)
    response = requests.post(
        op.token_endpoint,
        data={
            "grant_type": "authorization_code",
            "code": flow.callback["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": flow.verifier,
        },
        auth=(op.client_id, "wrong"),
        timeout=10,
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_id_token_lifetime_is_configurable(
    oidc_provider: OidcProvider, http: requests.Session
) -> None:
    op = oidc_provider.start([REDIRECT_URI], id_token_ttl_seconds=120)
    flow = tokens_for(op, http)
    claims = jwt.decode(flow.callback["id_token"], KeySet.import_key_set(jwks_of(op))).claims
    assert claims["exp"] - claims["iat"] == 120


def test_accounts_and_their_acr_are_chosen_per_test(
    oidc_provider: OidcProvider, http: requests.Session
) -> None:
    low = {**DEFAULT_ACCOUNTS["erika"], "acr": ACR_LOW}
    op = oidc_provider.start([REDIRECT_URI], accounts={"erika": low, "max": None})
    assert op.accounts["erika"]["acr"] == ACR_LOW
    assert "max" not in op.accounts

    flow = tokens_for(op, http, "erika")
    claims = jwt.decode(flow.callback["id_token"], KeySet.import_key_set(jwks_of(op))).claims
    assert claims["acr"] == ACR_LOW

    with pytest.raises(AssertionError, match="Unbekannte Testperson: max"):
        log_in(op, requests.Session(), "max")


# -- refusals --------------------------------------------------------------------------------


def test_an_authorization_request_without_code_challenge_is_refused(
    op: OidcProvider, http: requests.Session
) -> None:
    url = authorization_url(op, state="s1", nonce="n1")
    response = http.get(url, allow_redirects=False, timeout=10)

    # The redirect_uri is registered, so the error goes back to the client, without a code.
    assert response.is_redirect
    params = callback_params(response.headers["Location"])
    assert params["error"] == "invalid_request"
    assert "PKCE" in params["error_description"]
    assert params["state"] == "s1"
    assert "code" not in params


def test_pkce_can_be_made_optional_for_a_client(
    oidc_provider: OidcProvider, http: requests.Session
) -> None:
    op = oidc_provider.start([REDIRECT_URI], pkce_required=False)
    params = callback_params(op.authorize(http, authorization_url(op, state="s", nonce="n")))
    response = exchange(op, params["code"], None)
    assert response.status_code == 200, response.text


def test_plain_pkce_is_refused(op: OidcProvider, http: requests.Session) -> None:
    url = authorization_url(
        op, state="s", nonce="n", code_challenge="x" * 43, code_challenge_method="plain"
    )
    params = callback_params(http.get(url, allow_redirects=False, timeout=10).headers["Location"])
    assert params["error"] == "invalid_request"


def test_an_unregistered_redirect_uri_is_refused_without_redirecting(
    op: OidcProvider, http: requests.Session
) -> None:
    _, challenge = pkce_pair()
    url = authorization_url(
        op,
        redirect_uri="http://127.0.0.1:9/evil",
        state="s",
        nonce="n",
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    response = http.get(url, allow_redirects=False, timeout=10)

    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "redirect_uri did not match any of the client" in response.text
    with pytest.raises(AssertionError, match="provider answered 400"):
        op.authorize(http, url)


def test_cancelling_the_login_returns_access_denied(
    op: OidcProvider, http: requests.Session
) -> None:
    flow = log_in(op, http, account=None)
    assert flow.callback["error"] == "access_denied"
    assert flow.callback["state"] == flow.state
    assert flow.callback["iss"] == op.issuer


def test_the_login_page_is_a_labelled_form(op: OidcProvider, http: requests.Session) -> None:
    _, challenge = pkce_pair()
    url = authorization_url(
        op, state="s", nonce="n", code_challenge=challenge, code_challenge_method="S256"
    )
    response = http.get(url, timeout=10)  # follows to /interaction/<uid>
    assert response.url.startswith(f"{op.issuer}/interaction/")
    assert '<label for="account">Testperson</label>' in response.text
    assert '<button type="submit">Anmelden</button>' in response.text
    assert "http" not in response.text.replace(op.issuer, "")  # no outside resources


# -- logout ----------------------------------------------------------------------------------


def test_rp_initiated_logout_redirects_to_the_registered_uri(
    op: OidcProvider, http: requests.Session
) -> None:
    flow = tokens_for(op, http)
    url = f"{op.end_session_endpoint}?" + urlencode(
        {
            "id_token_hint": flow.callback["id_token"],
            "post_logout_redirect_uri": POST_LOGOUT_URI,
            "state": "bye",
        }
    )
    assert op.logout(http, url) == f"{POST_LOGOUT_URI}?state=bye"

    # The provider's session is gone: the next authorization asks for the login again.
    _, challenge = pkce_pair()
    again = http.get(
        authorization_url(
            op, state="s", nonce="n", code_challenge=challenge, code_challenge_method="S256"
        ),
        timeout=10,
    )
    assert '<label for="account">Testperson</label>' in again.text


def test_an_unregistered_post_logout_redirect_uri_is_refused(
    op: OidcProvider, http: requests.Session
) -> None:
    flow = tokens_for(op, http)
    url = f"{op.end_session_endpoint}?" + urlencode(
        {
            "id_token_hint": flow.callback["id_token"],
            "post_logout_redirect_uri": "http://127.0.0.1:9/evil",
        }
    )
    response = http.get(url, allow_redirects=False, timeout=10)
    assert response.status_code == 400
    assert "Location" not in response.headers


# -- the tamper proxy ------------------------------------------------------------------------


def test_pass_through_records_the_exchanges(op: OidcProvider, http: requests.Session) -> None:
    tokens_for(op, http)
    (token_request,) = op.proxy.requests_to("/token")
    assert token_request.method == "POST"
    assert token_request.headers["authorization"].startswith("Basic ")
    assert token_request.form()["grant_type"] == "authorization_code"
    assert token_request.status == 200


def test_foreign_jwks_breaks_the_signature(op: OidcProvider, http: requests.Session) -> None:
    flow = tokens_for(op, http)
    genuine = jwks_of(op)
    op.proxy.mode = "foreign_jwks"
    foreign = jwks_of(op)

    # Same kid, other key: the client finds "the" key, and the signature does not verify.
    assert [k["kid"] for k in foreign["keys"]] == [k["kid"] for k in genuine["keys"]]
    assert foreign["keys"][0]["n"] != genuine["keys"][0]["n"]
    with pytest.raises(BadSignatureError):
        verify_id_token(
            flow.callback["id_token"],
            foreign,
            issuer=op.issuer,
            client_id=op.client_id,
            nonce=flow.nonce,
        )
    verify_id_token(
        flow.callback["id_token"],
        genuine,
        issuer=op.issuer,
        client_id=op.client_id,
        nonce=flow.nonce,
    )


def test_resign_without_overrides_verifies(op: OidcProvider, http: requests.Session) -> None:
    op.proxy.mode = "resign"
    flow = tokens_for(op, http)
    jwks = jwks_of(op)
    assert [k["kid"] for k in jwks["keys"]] == [op.proxy.resign_key.kid]
    claims = verify_id_token(
        flow.callback["id_token"],
        jwks,
        issuer=op.issuer,
        client_id=op.client_id,
        nonce=flow.nonce,
    )
    assert claims["acr"] == ACR_HIGH


@pytest.mark.parametrize(
    ("override", "error", "claim"),
    [
        ({"aud": "someone-else"}, InvalidClaimError, "aud"),
        ({"iss": "http://127.0.0.1:9/other"}, InvalidClaimError, "iss"),
        ({"nonce": "replayed"}, InvalidClaimError, "nonce"),
        ({"nonce": None}, MissingClaimError, "nonce"),
        ("expired", ExpiredTokenError, "exp"),
    ],
)
def test_resign_breaks_exactly_one_claim(
    op: OidcProvider,
    http: requests.Session,
    override: dict[str, Any] | str,
    error: type[Exception],
    claim: str,
) -> None:
    if override == "expired":
        now = int(time.time())
        override = {"iat": now - 7200, "exp": now - 3600, "auth_time": now - 7200}
    assert isinstance(override, dict)
    op.proxy.mode = "resign"
    op.proxy.claims_override = override
    flow = tokens_for(op, http)

    jwks = jwks_of(op)
    signed = jwt.decode(flow.callback["id_token"], KeySet.import_key_set(jwks))  # signature OK
    for name, value in override.items():
        assert signed.claims.get(name) == value
    with pytest.raises(error) as raised:
        verify_id_token(
            flow.callback["id_token"],
            jwks,
            issuer=op.issuer,
            client_id=op.client_id,
            nonce=flow.nonce,
        )
    assert claim in str(raised.value) or isinstance(raised.value, ExpiredTokenError)


def test_wrong_issuer_in_discovery(op: OidcProvider, http: requests.Session) -> None:
    op.proxy.mode = "wrong_issuer"
    metadata = op.metadata()
    assert metadata["issuer"] == op.proxy.fake_issuer
    assert metadata["token_endpoint"] == op.token_endpoint  # only the issuer is changed

    flow = tokens_for(op, http)
    assert flow.callback["iss"] != metadata["issuer"]
    with pytest.raises(InvalidClaimError, match="iss"):
        verify_id_token(
            flow.callback["id_token"],
            jwks_of(op),
            issuer=metadata["issuer"],
            client_id=op.client_id,
            nonce=flow.nonce,
        )


def test_wrong_iss_in_the_authorization_response(op: OidcProvider, http: requests.Session) -> None:
    op.proxy.mode = "wrong_auth_iss"
    flow = log_in(op, http)
    assert flow.callback["iss"] == op.proxy.fake_issuer != op.issuer
    assert flow.callback["state"] == flow.state
    assert "code" in flow.callback
