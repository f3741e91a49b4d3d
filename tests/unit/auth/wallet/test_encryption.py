"""Encrypted answers: only ECDH-ES with the offered content encryption, to this key."""

from __future__ import annotations

import json

import pytest
from jwcrypto import jwe, jwk

from server.auth.wallet import encryption
from server.auth.wallet.errors import Reason, VerificationFailed
from tests.wallet_pid import encrypt_answer

PAYLOAD = {"vp_token": {"pid_sd_jwt": ["x"]}, "state": "s"}


@pytest.fixture
def key() -> str:
    return encryption.new_key("state-of-this-login")


def test_the_public_key_and_its_kid(key):
    public = encryption.public_jwk(key)
    assert "d" not in public
    assert public["kid"] == "state-of-this-login"
    assert (public["kty"], public["crv"]) == ("EC", "P-256")


@pytest.mark.parametrize("enc", ["A128GCM", "A256GCM"])
def test_round_trip(key, enc):
    token = encrypt_answer(encryption.public_jwk(key), PAYLOAD, enc)
    assert encryption.header_kid(token) == "state-of-this-login"
    assert encryption.decrypt(token, key) == PAYLOAD


def _reason(token: str, key: str) -> str:
    with pytest.raises(VerificationFailed) as failed:
        encryption.decrypt(token, key)
    return failed.value.reason


def test_encrypted_to_another_key(key):
    other = encryption.new_key("state-of-this-login")
    token = encrypt_answer(encryption.public_jwk(other), PAYLOAD)
    assert _reason(token, key) == Reason.ENCRYPTION


@pytest.mark.parametrize(
    ("alg", "enc"),
    [("ECDH-ES+A128KW", "A128GCM"), ("ECDH-ES", "A192GCM"), ("ECDH-ES", "A128CBC-HS256")],
)
def test_algorithms_not_offered(key, alg, enc):
    token = jwe.JWE(json.dumps(PAYLOAD), protected=json.dumps({"alg": alg, "enc": enc}))
    token.add_recipient(jwk.JWK.from_json(json.dumps(encryption.public_jwk(key))))
    assert _reason(token.serialize(compact=True), key) == Reason.ENCRYPTION


def test_a_payload_that_is_no_object(key):
    token = jwe.JWE(b"[1, 2]", protected=json.dumps({"alg": "ECDH-ES", "enc": "A128GCM"}))
    token.add_recipient(jwk.JWK.from_json(json.dumps(encryption.public_jwk(key))))
    assert _reason(token.serialize(compact=True), key) == Reason.MALFORMED


@pytest.mark.parametrize("garbage", ["", "a.b.c.d.e", "eyJ9.x.y.z.w"])
def test_garbage(key, garbage):
    assert encryption.header_kid(garbage) is None
    with pytest.raises(VerificationFailed):
        encryption.decrypt(garbage, key)
