"""The wallet login's transactions on both databases: each step once, nonce and state per
transaction, expiry, and every answer that must not log anybody in failing closed.

The wallet here is played with the test issuer and holder of ``tests.wallet_pid`` (maintained
libraries); the end-to-end test against Credo is ``test_wallet_credo.py``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from jwcrypto import jwk, jws
from sqlalchemy import func, select

from server.auth.wallet import transactions
from server.auth.wallet.errors import Reason, TransactionUnavailable, VerificationFailed
from server.auth.wallet.models import Flow, ResponseMode, TransactionStatus, WalletTransaction
from server.auth.wallet.settings import VerifierSettings, load_settings, x509_hash
from server.db import utcnow
from server.extensions import db
from tests.threads import together
from tests.wallet_pid import (
    Authority,
    VerifierPki,
    encrypt_answer,
    holder_key,
    issue_mdoc,
    issue_sd_jwt,
    openid4vp_session_transcript,
    pem,
    present_mdoc,
    present_sd_jwt,
)

RESPONSE_URI = "http://localhost/wallet/antwort"


def request_uri(request_id: str) -> str:
    return f"http://localhost/wallet/anfrage/{request_id}"


def wallet_config(pki: VerifierPki, authority: Authority, **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "PORTAL_ENV": "testing",
        "PORTAL_BASE_URL": "http://localhost",
        "WALLET_VERIFIER_CERTIFICATES": pki.chain_pem,
        "WALLET_VERIFIER_KEY": pki.key_pem,
        "WALLET_CLIENT_ID_PREFIX": "x509_san_dns",
        "WALLET_TRUSTED_ISSUERS": pem(authority.root),
        "WALLET_CLAIMS": "given_name,family_name,birthdate,address",
        "WALLET_PID_FORMATS": "dc+sd-jwt,mso_mdoc",
        "WALLET_PID_VCT_VALUES": "urn:eudi:pid:de:1,urn:eudi:pid:1",
        "WALLET_RESPONSE_MODE": "direct_post.jwt",
        "WALLET_AUTHORIZATION_ENDPOINT": "openid4vp://",
        "WALLET_TRANSACTION_MINUTES": "10",
        "WALLET_REGISTRATION_CERTIFICATE": "",
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="module")
def pki() -> VerifierPki:
    return VerifierPki()


@pytest.fixture(scope="module")
def authority() -> Authority:
    return Authority()


@pytest.fixture(scope="module")
def settings(pki: VerifierPki, authority: Authority) -> VerifierSettings:
    found = load_settings(wallet_config(pki, authority))
    assert found is not None
    return found


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app


@dataclass
class Started:
    secret: str
    wallet_url: str
    request_id: str
    request: dict[str, Any]  # the verified request object's payload


def _start(
    settings: VerifierSettings,
    flow: Flow = Flow.CROSS_DEVICE,
    mode: ResponseMode | None = None,
    **at: Any,
) -> Started:
    with db.transaction():
        started = transactions.start(
            settings,
            flow=flow,
            response_uri=RESPONSE_URI,
            request_uri=request_uri,
            response_mode=mode,
            **at,
        )
    query = parse_qs(urlsplit(started.wallet_url).query)
    assert query["client_id"] == [settings.client_id]
    request_id = query["request_uri"][0].rsplit("/", 1)[1]
    with db.transaction():
        token = transactions.request_object(settings, request_id, **at)
    request = _verified_request(token, settings)
    return Started(started.secret, started.wallet_url, request_id, request)


def _verified_request(token: str, settings: VerifierSettings) -> dict[str, Any]:
    """What a wallet does with the request object: check typ, x5c and the signature."""
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["typ"] == "oauth-authz-req+jwt"
    assert header["alg"] == "ES256"
    certificate = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    assert certificate == settings.certificates[0]
    public_key = certificate.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    message = jws.JWS()
    message.deserialize(token)
    message.verify(jwk.JWK.from_pyca(public_key), alg="ES256")
    payload: dict[str, Any] = json.loads(message.payload)
    return payload


def _sd_jwt_token(authority: Authority, request: dict[str, Any], **present: Any) -> dict[str, Any]:
    key = holder_key()
    presentation = present_sd_jwt(
        issue_sd_jwt(authority, key),
        key,
        nonce=present.pop("nonce", request["nonce"]),
        aud=present.pop("aud", request["client_id"]),
    )
    return {"pid_sd_jwt": [presentation]}


def _thumbprint(request: dict[str, Any]) -> bytes | None:
    keys = request["client_metadata"].get("jwks", {}).get("keys")
    if not keys:
        return None
    return base64.urlsafe_b64decode(jwk.JWK(**keys[0]).thumbprint() + "=")


def _mdoc_token(authority: Authority, request: dict[str, Any]) -> dict[str, Any]:
    device = ec.generate_private_key(ec.SECP256R1())
    transcript = openid4vp_session_transcript(
        request["client_id"], request["nonce"], _thumbprint(request), request["response_uri"]
    )
    return {"pid_mdoc": [present_mdoc(issue_mdoc(authority, device), device, transcript)]}


def _form(request: dict[str, Any], payload: dict[str, Any], enc: str = "A128GCM") -> dict[str, str]:
    """The body the wallet posts: encrypted under direct_post.jwt, else form fields."""
    if request["response_mode"] == "direct_post.jwt":
        key = request["client_metadata"]["jwks"]["keys"][0]
        return {"response": encrypt_answer(key, payload, enc)}
    return {
        name: json.dumps(value) if isinstance(value, dict) else value
        for name, value in payload.items()
    }


def _answer(settings: VerifierSettings, form: dict[str, str], **at: Any) -> Any:
    with db.transaction():
        return transactions.receive_response(settings, form, **at)


def _finish(secret: str, code: str | None = None, **at: Any) -> Any:
    with db.transaction():
        return transactions.finish(secret, code, **at)


def test_the_request_object_asks_for_the_pid(ctx, settings):
    started = _start(settings)
    request = started.request
    assert started.wallet_url.startswith("openid4vp://?client_id=x509_san_dns%3Alocalhost&")
    assert request["client_id"] == "x509_san_dns:localhost"
    assert request["aud"] == "https://self-issued.me/v2"
    assert request["response_type"] == "vp_token"
    assert request["response_mode"] == "direct_post.jwt"
    assert request["response_uri"] == RESPONSE_URI
    assert len(request["nonce"]) >= 43
    assert request["state"]
    assert request["state"] not in started.wallet_url  # only the wallet that fetched it knows
    credentials = request["dcql_query"]["credentials"]
    assert [c["format"] for c in credentials] == ["dc+sd-jwt", "mso_mdoc"]
    assert credentials[0]["meta"] == {"vct_values": ["urn:eudi:pid:de:1", "urn:eudi:pid:1"]}
    assert {tuple(c["path"]) for c in credentials[0]["claims"]} >= {
        ("given_name",),
        ("birthdate",),
        ("address", "locality"),
    }
    assert ["eu.europa.ec.eudi.pid.1", "birth_date"] in [
        c["path"] for c in credentials[1]["claims"]
    ]
    assert request["dcql_query"]["credential_sets"] == [{"options": [["pid_sd_jwt"], ["pid_mdoc"]]}]
    metadata = request["client_metadata"]
    (key,) = metadata["jwks"]["keys"]
    assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("EC", "P-256", "ECDH-ES", "enc")
    assert key["kid"] == request["state"]
    assert "d" not in key
    assert metadata["encrypted_response_enc_values_supported"] == ["A128GCM", "A256GCM"]
    assert "verifier_info" not in request


def test_two_transactions_have_their_own_nonce_state_and_key(ctx, settings):
    first, second = _start(settings).request, _start(settings).request
    assert first["nonce"] != second["nonce"]
    assert first["state"] != second["state"]
    assert first["client_metadata"]["jwks"] != second["client_metadata"]["jwks"]


@pytest.mark.parametrize("enc", ["A128GCM", "A256GCM"])
def test_sd_jwt_encrypted_cross_device(ctx, settings, authority, enc):
    started = _start(settings)
    assert transactions.progress(started.secret).waiting
    form = _form(
        started.request,
        {"vp_token": _sd_jwt_token(authority, started.request), "state": started.request["state"]},
        enc,
    )
    received = _answer(settings, form)
    assert received.verified
    assert received.response_code is None
    assert transactions.progress(started.secret).status is TransactionStatus.VERIFIED
    person = _finish(started.secret)
    assert (person.given_name, person.family_name, person.locality) == (
        "Erika",
        "Mustermann",
        "Köln",
    )
    assert person.credential_format == "dc+sd-jwt"
    assert person.trust_level == "high"
    row = db.session.scalars(select(WalletTransaction)).one()
    assert row.status == "consumed"
    assert row.result is None
    assert row.encryption_key is None
    with pytest.raises(TransactionUnavailable):  # taken once
        _finish(started.secret)


def test_mdoc_unencrypted_same_device_needs_the_response_code(ctx, settings, authority):
    started = _start(settings, Flow.SAME_DEVICE, ResponseMode.DIRECT_POST)
    assert "jwks" not in started.request["client_metadata"]
    payload = {
        "vp_token": _mdoc_token(authority, started.request),
        "state": started.request["state"],
    }
    received = _answer(settings, _form(started.request, payload))
    assert received.verified
    assert received.response_code
    for code in (None, "guessed"):
        with pytest.raises(TransactionUnavailable) as refused:
            _finish(started.secret, code)
        assert refused.value.reason == Reason.RESPONSE_CODE
    person = _finish(started.secret, received.response_code)
    assert person.credential_format == "mso_mdoc"
    assert person.birthdate.isoformat() == "1964-08-12"


def test_mdoc_encrypted_binds_the_key(ctx, settings, authority):
    started = _start(settings)
    payload = {
        "vp_token": _mdoc_token(authority, started.request),
        "state": started.request["state"],
    }
    assert _answer(settings, _form(started.request, payload)).verified


def test_x509_hash_client_id(ctx, pki, authority):
    settings = load_settings(wallet_config(pki, authority, WALLET_CLIENT_ID_PREFIX="x509_hash"))
    assert settings is not None
    assert settings.client_id == f"x509_hash:{x509_hash(pki.leaf)}"
    started = _start(settings)
    assert started.request["client_id"] == settings.client_id
    payload = {
        "vp_token": _sd_jwt_token(authority, started.request),
        "state": started.request["state"],
    }
    assert _answer(settings, _form(started.request, payload)).verified


def test_the_request_object_is_handed_out_once(ctx, settings):
    started = _start(settings)
    with db.transaction(), pytest.raises(TransactionUnavailable):
        transactions.request_object(settings, started.request_id)


def test_replayed_answer(ctx, settings, authority):
    started = _start(settings)
    payload = {
        "vp_token": _sd_jwt_token(authority, started.request),
        "state": started.request["state"],
    }
    form = _form(started.request, payload)
    assert _answer(settings, form).verified
    with pytest.raises(TransactionUnavailable):
        _answer(settings, form)
    # The same presentation in the answer to a new transaction: bound to the old nonce.
    later = _start(settings, mode=ResponseMode.DIRECT_POST)
    replayed = _answer(settings, _form(later.request, {**payload, "state": later.request["state"]}))
    assert not replayed.verified
    assert replayed.failure == Reason.NONCE
    with pytest.raises(VerificationFailed) as failed:
        _finish(later.secret)
    assert failed.value.reason == Reason.NONCE


def test_an_answer_naming_another_transaction(ctx, settings, authority):
    mine, other = _start(settings), _start(settings)
    payload = {"vp_token": _sd_jwt_token(authority, mine.request), "state": other.request["state"]}
    received = _answer(settings, _form(mine.request, payload))
    assert received.failure == Reason.STATE
    assert transactions.progress(other.secret).waiting  # the other one is untouched


def test_an_answer_encrypted_to_another_transactions_key(ctx, settings, authority):
    mine, other = _start(settings), _start(settings)
    payload = {"vp_token": _sd_jwt_token(authority, mine.request), "state": mine.request["state"]}
    form = _form(other.request, payload)  # the kid names the other transaction
    received = _answer(settings, form)
    assert received.failure == Reason.STATE
    assert transactions.progress(mine.secret).waiting


def test_wrong_nonce(ctx, settings, authority):
    started = _start(settings)
    token = _sd_jwt_token(authority, started.request, nonce="not-this-one")
    received = _answer(settings, _form(started.request, {"vp_token": token}))
    assert received.failure == Reason.NONCE
    assert transactions.progress(started.secret) == transactions.Progress(
        TransactionStatus.FAILED, Reason.NONCE
    )


def test_untrusted_issuer(ctx, settings):
    started = _start(settings)
    token = _sd_jwt_token(Authority(name="Stranger"), started.request)
    assert _answer(settings, _form(started.request, {"vp_token": token})).failure == (
        Reason.UNTRUSTED_ISSUER
    )


@pytest.mark.parametrize("mode", [ResponseMode.DIRECT_POST, ResponseMode.DIRECT_POST_JWT])
def test_the_wallet_refuses(ctx, settings, mode):
    """A citizen who says no: an error response, in the clear in both modes (§8.3.1)."""
    started = _start(settings, Flow.SAME_DEVICE, mode)
    received = _answer(
        settings,
        {"error": "access_denied", "error_description": "no", "state": started.request["state"]},
    )
    assert not received.verified
    assert received.failure == "wallet:access_denied"
    assert received.response_code  # the wallet still sends the citizen back
    with pytest.raises(VerificationFailed) as failed:
        _finish(started.secret, received.response_code)
    assert failed.value.reason == "wallet:access_denied"


def test_an_unencrypted_answer_where_encryption_was_asked(ctx, settings, authority):
    started = _start(settings)
    token = _sd_jwt_token(authority, started.request)
    form = {"vp_token": json.dumps(token), "state": started.request["state"]}
    assert _answer(settings, form).failure == Reason.ENCRYPTION


def test_answers_nobody_asked_for(ctx, settings):
    for form in ({}, {"state": "made-up"}, {"response": "a.b.c.d.e"}, {"vp_token": "{}"}):
        with pytest.raises(TransactionUnavailable):
            _answer(settings, form)


def test_expired_transactions(ctx, settings, authority):
    long_ago = utcnow() - timedelta(minutes=11)
    with db.transaction():
        started = transactions.start(
            settings,
            flow=Flow.CROSS_DEVICE,
            response_uri=RESPONSE_URI,
            request_uri=request_uri,
            now=long_ago,
        )
    with db.transaction(), pytest.raises(TransactionUnavailable):
        transactions.request_object(settings, started.request_id)
    assert transactions.progress(started.secret).status is None
    # Fetched in time, answered too late:
    fetched = _start(settings, now=long_ago)
    payload = {"vp_token": _sd_jwt_token(authority, fetched.request)}
    with pytest.raises(TransactionUnavailable):
        _answer(settings, _form(fetched.request, payload))
    with db.transaction():
        assert transactions.purge() == 2
    assert db.session.scalar(select(func.count()).select_from(WalletTransaction)) == 0


def test_a_verified_person_is_not_taken_after_the_expiry(ctx, settings, authority):
    started = _start(settings)
    payload = {"vp_token": _sd_jwt_token(authority, started.request)}
    assert _answer(settings, _form(started.request, payload)).verified
    with pytest.raises(TransactionUnavailable) as refused:
        _finish(started.secret, now=utcnow() + timedelta(minutes=11))
    assert refused.value.reason == Reason.NOT_AVAILABLE


def test_finish_before_the_wallet_answered(ctx, settings):
    started = _start(settings)
    with pytest.raises(TransactionUnavailable) as refused:
        _finish(started.secret)
    assert refused.value.reason == Reason.PENDING
    with pytest.raises(TransactionUnavailable) as unknown:
        _finish("not-a-secret")
    assert unknown.value.reason == Reason.UNKNOWN_TRANSACTION


def test_one_answer_raced_is_taken_once(app, settings, authority):
    with app.app_context():
        started = _start(settings)
        payload = {"vp_token": _sd_jwt_token(authority, started.request)}
        form = _form(started.request, payload)

    def post(wait: Any) -> str:
        with app.app_context():
            wait()
            try:
                return "verified" if _answer(settings, form).verified else "failed"
            except TransactionUnavailable:
                return "refused"

    assert sorted(together([post, post, post])) == ["refused", "refused", "verified"]

    def take(wait: Any) -> str:
        with app.app_context():
            wait()
            try:
                return str(_finish(started.secret).given_name)
            except TransactionUnavailable:
                return "refused"

    assert sorted(together([take, take])) == ["Erika", "refused"]


def test_the_registration_certificate_goes_along(ctx, pki, authority):
    configured = load_settings(
        wallet_config(pki, authority, WALLET_REGISTRATION_CERTIFICATE="eyJhbGciOi.eyJ.sig")
    )
    assert configured is not None
    request = _start(replace(configured)).request
    assert request["verifier_info"] == [
        {"format": "registration_cert", "data": "eyJhbGciOi.eyJ.sig"}
    ]
