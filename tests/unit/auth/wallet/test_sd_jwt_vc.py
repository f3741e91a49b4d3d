"""SD-JWT VC PIDs: what passes, and each way a presentation fails closed."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
import sd_jwt.holder
from jwcrypto import jwk

from server.auth.wallet.context import PresentationContext
from server.auth.wallet.errors import Reason, VerificationFailed
from server.auth.wallet.sd_jwt_vc import verify_presentation
from tests.unit.auth.wallet.conftest import CLIENT_ID, NONCE
from tests.wallet_pid import Authority, certificate, holder_key, issue_sd_jwt, present_sd_jwt


def _reason(presentation: object, context: PresentationContext) -> str:
    with pytest.raises(VerificationFailed) as failed:
        verify_presentation(presentation, context)
    return failed.value.reason


def _good(authority: Authority, **issue: Any) -> tuple[str, jwk.JWK]:
    key = holder_key()
    issuance = issue_sd_jwt(authority, key, **issue)
    return issuance, key


def test_a_pid_from_a_trusted_issuer_names_the_person(authority, context):
    issuance, key = _good(authority)
    person = verify_presentation(present_sd_jwt(issuance, key, nonce=NONCE, aud=CLIENT_ID), context)
    assert (person.given_name, person.family_name) == ("Erika", "Mustermann")
    assert person.birthdate == date(1964, 8, 12)
    assert (person.street, person.postal_code, person.locality, person.country) == (
        "Heidestraße 17",
        "51147",
        "Köln",
        "DE",
    )
    assert (person.issuing_country, person.issuing_authority) == ("DE", "DE")
    assert person.credential_format == "dc+sd-jwt"
    assert person.credential_type == "urn:eudi:pid:de:1"
    assert person.trust_level == "high"
    assert "PID Test Root Signer" in person.issuer


def test_the_generic_pid_type_is_taken_too(authority, context):
    issuance, key = _good(authority, vct="urn:eudi:pid:1")
    presentation = present_sd_jwt(issuance, key, nonce=NONCE, aud=CLIENT_ID)
    assert verify_presentation(presentation, context).credential_type == "urn:eudi:pid:1"


def test_a_chain_over_an_intermediate_is_followed(context):
    root = Authority(name="Root over intermediate")
    intermediate = Authority(name="Intermediate")
    # The intermediate's own CA, certified by the trusted root instead of itself.
    intermediate.root = certificate(
        intermediate.root_key,
        intermediate.root.subject,
        root.root_key,
        root.root.subject,
        ca=True,
    )
    key = holder_key()
    issuance = issue_sd_jwt(intermediate, key, x5c=[intermediate.signer, intermediate.root])
    presentation = present_sd_jwt(issuance, key, nonce=NONCE, aud=CLIENT_ID)
    person = verify_presentation(presentation, replace(context, trust_anchors=(root.root,)))
    assert person.given_name == "Erika"


def test_wrong_nonce(authority, context):
    issuance, key = _good(authority)
    presentation = present_sd_jwt(issuance, key, nonce="another-transaction", aud=CLIENT_ID)
    assert _reason(presentation, context) == Reason.NONCE


def test_another_verifier_as_audience(authority, context):
    issuance, key = _good(authority)
    presentation = present_sd_jwt(issuance, key, nonce=NONCE, aud="x509_san_dns:evil.example")
    assert _reason(presentation, context) == Reason.AUDIENCE
    # The client id without its prefix is another audience too (OpenID4VP 1.0 §14.1.4).
    presentation = present_sd_jwt(issuance, key, nonce=NONCE, aud="localhost")
    assert _reason(presentation, context) == Reason.AUDIENCE


def test_untrusted_issuer(context):
    stranger = Authority(name="Somebody")
    issuance, key = _good(stranger)
    presentation = present_sd_jwt(issuance, key, nonce=NONCE, aud=CLIENT_ID)
    assert _reason(presentation, context) == Reason.UNTRUSTED_ISSUER


def test_a_trusted_chain_but_signed_by_another_key(authority, context):
    """The x5c names the trusted signer, the signature is a stranger's."""
    stranger = Authority(name="Forger")
    key = holder_key()
    forged = issue_sd_jwt(stranger, key, x5c=[authority.signer])
    presentation = present_sd_jwt(forged, key, nonce=NONCE, aud=CLIENT_ID)
    assert _reason(presentation, context) == Reason.SIGNATURE


def test_expired_credential(authority, context):
    issuance, key = _good(authority, lifetime=timedelta(minutes=-10))
    presentation = present_sd_jwt(issuance, key, nonce=NONCE, aud=CLIENT_ID)
    assert _reason(presentation, context) == Reason.EXPIRED


def test_expired_issuer_certificate(authority, context):
    issuance, key = _good(authority)
    presentation = present_sd_jwt(issuance, key, nonce=NONCE, aud=CLIENT_ID)
    later = replace(context, now=context.now + timedelta(days=400))
    assert _reason(presentation, later) == Reason.UNTRUSTED_ISSUER


def _name_of(disclosure: str) -> str:
    return str(json.loads(base64.urlsafe_b64decode(disclosure + "=="))[-2])


def _b64(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def test_tampered_disclosure(authority, context):
    issuance, key = _good(authority)
    presentation = present_sd_jwt(issuance, key, nonce=NONCE, aud=CLIENT_ID)
    parts = presentation.split("~")
    for index, part in enumerate(parts[1:-1], start=1):
        salt, name, _value = json.loads(base64.urlsafe_b64decode(part + "=="))
        if name == "family_name":
            parts[index] = _b64([salt, name, "Musterfrau"])
    assert _reason("~".join(parts), context) == Reason.DISCLOSURE


def test_a_disclosure_the_issuer_never_signed(authority, context):
    issuance, key = _good(authority)
    presentation = present_sd_jwt(issuance, key, nonce=NONCE, aud=CLIENT_ID)
    parts = presentation.split("~")
    parts.insert(1, _b64(["c2FsdHNhbHRzYWx0", "given_name", "Mallory"]))
    assert _reason("~".join(parts), context) == Reason.DISCLOSURE


def test_a_disclosure_dropped_after_the_holder_signed(authority, context):
    issuance, key = _good(authority)
    parts = present_sd_jwt(issuance, key, nonce=NONCE, aud=CLIENT_ID).split("~")
    given_name = next(i for i, part in enumerate(parts[1:-1], 1) if _name_of(part) == "given_name")
    del parts[given_name]
    assert _reason("~".join(parts), context) == Reason.KEY_BINDING  # sd_hash no longer fits


def test_missing_key_binding(authority, context):
    issuance, key = _good(authority)
    presentation = present_sd_jwt(issuance, key, nonce=NONCE, aud=CLIENT_ID)
    without = presentation[: presentation.rindex("~") + 1]
    assert _reason(without, context) == Reason.KEY_BINDING


def test_key_binding_signed_by_another_key(authority, context):
    issuance, _key = _good(authority)
    presentation = present_sd_jwt(issuance, holder_key(), nonce=NONCE, aud=CLIENT_ID)
    assert _reason(presentation, context) == Reason.KEY_BINDING


def test_a_credential_without_holder_key_cannot_be_bound(authority, context):
    issuance = issue_sd_jwt(authority, None)
    presentation = present_sd_jwt(issuance, holder_key(), nonce=NONCE, aud=CLIENT_ID)
    assert _reason(presentation, context) == Reason.KEY_BINDING


def test_stale_key_binding(authority, context, monkeypatch):
    issuance, key = _good(authority)
    an_hour_ago = context.now.timestamp() - 3600
    monkeypatch.setattr(sd_jwt.holder, "time", lambda: an_hour_ago)
    presentation = present_sd_jwt(issuance, key, nonce=NONCE, aud=CLIENT_ID)
    assert _reason(presentation, context) == Reason.STALE


def test_key_binding_from_the_future(authority, context, monkeypatch):
    issuance, key = _good(authority)
    monkeypatch.setattr(sd_jwt.holder, "time", lambda: context.now.timestamp() + 3600)
    presentation = present_sd_jwt(issuance, key, nonce=NONCE, aud=CLIENT_ID)
    assert _reason(presentation, context) == Reason.STALE


def test_another_credential_type(authority, context):
    issuance, key = _good(authority, vct="urn:eudi:ehic:1")
    presentation = present_sd_jwt(issuance, key, nonce=NONCE, aud=CLIENT_ID)
    assert _reason(presentation, context) == Reason.CREDENTIAL_TYPE


def test_a_jwt_that_is_no_sd_jwt_vc(authority, context):
    issuance, key = _good(authority, typ="JWT")
    presentation = present_sd_jwt(issuance, key, nonce=NONCE, aud=CLIENT_ID)
    assert _reason(presentation, context) == Reason.CREDENTIAL_TYPE


def test_undisclosed_name_is_a_missing_claim(authority, context):
    issuance, key = _good(authority)
    presentation = present_sd_jwt(
        issuance, key, nonce=NONCE, aud=CLIENT_ID, disclose={"given_name": True, "birthdate": True}
    )
    assert _reason(presentation, context) == Reason.MISSING_CLAIM


@pytest.mark.parametrize("garbage", ["", "~", "a.b.c~", "not-a-jwt~kb", 17])
def test_garbage_is_refused(context, garbage):
    with pytest.raises(VerificationFailed):
        verify_presentation(garbage, context)
