"""mdoc PIDs: issuer signature and chain, value digests, validity, and the device signature
over the OpenID4VP session transcript; each way a presentation fails closed."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from server.auth.wallet.context import PresentationContext
from server.auth.wallet.errors import Reason, VerificationFailed
from server.auth.wallet.mdoc import verify_presentation
from tests.unit.auth.wallet.conftest import CLIENT_ID, NONCE, RESPONSE_URI
from tests.wallet_pid import Authority, issue_mdoc, openid4vp_session_transcript, present_mdoc

TRANSCRIPT = openid4vp_session_transcript(CLIENT_ID, NONCE, None, RESPONSE_URI)


@pytest.fixture
def device_key():
    return ec.generate_private_key(ec.SECP256R1())


def _reason(presentation: object, context: PresentationContext) -> str:
    with pytest.raises(VerificationFailed) as failed:
        verify_presentation(presentation, context)
    return failed.value.reason


def test_a_pid_from_a_trusted_issuer_names_the_person(authority, context, device_key):
    presentation = present_mdoc(issue_mdoc(authority, device_key), device_key, TRANSCRIPT)
    person = verify_presentation(presentation, context)
    assert (person.given_name, person.family_name) == ("Erika", "Mustermann")
    assert person.birthdate == date(1964, 8, 12)
    assert (person.street, person.postal_code, person.locality, person.country) == (
        "Heidestraße 17",
        "51147",
        "Köln",
        "DE",
    )
    assert person.credential_format == "mso_mdoc"
    assert person.credential_type == "eu.europa.ec.eudi.pid.1"
    assert person.issuing_country == "DE"


def test_an_encrypted_answer_binds_the_key_thumbprint(authority, context, device_key):
    thumbprint = bytes(range(32))
    transcript = openid4vp_session_transcript(CLIENT_ID, NONCE, thumbprint, RESPONSE_URI)
    presentation = present_mdoc(issue_mdoc(authority, device_key), device_key, transcript)
    assert verify_presentation(presentation, replace(context, jwk_thumbprint=thumbprint))
    # The same presentation does not pass where the answer came unencrypted or to another key.
    assert _reason(presentation, context) == Reason.KEY_BINDING
    other = replace(context, jwk_thumbprint=bytes(32))
    assert _reason(presentation, other) == Reason.KEY_BINDING


@pytest.mark.parametrize(
    ("client_id", "nonce", "response_uri"),
    [
        (CLIENT_ID, "another-nonce", RESPONSE_URI),
        ("x509_san_dns:evil.example", NONCE, RESPONSE_URI),
        (CLIENT_ID, NONCE, "https://evil.example/antwort"),
    ],
    ids=["wrong nonce", "another verifier", "another response uri"],
)
def test_a_device_signature_over_another_transaction(
    authority, context, device_key, client_id, nonce, response_uri
):
    transcript = openid4vp_session_transcript(client_id, nonce, None, response_uri)
    presentation = present_mdoc(issue_mdoc(authority, device_key), device_key, transcript)
    assert _reason(presentation, context) == Reason.KEY_BINDING


def test_missing_device_signature(authority, context, device_key):
    presentation = present_mdoc(
        issue_mdoc(authority, device_key), device_key, TRANSCRIPT, sign=False
    )
    assert _reason(presentation, context) == Reason.KEY_BINDING


def test_signed_by_another_device_key(authority, context, device_key):
    issued = issue_mdoc(authority, device_key)
    thief = ec.generate_private_key(ec.SECP256R1())
    assert _reason(present_mdoc(issued, thief, TRANSCRIPT), context) == Reason.KEY_BINDING


def test_untrusted_issuer(context, device_key):
    stranger = Authority(name="Somebody")
    presentation = present_mdoc(issue_mdoc(stranger, device_key), device_key, TRANSCRIPT)
    assert _reason(presentation, context) == Reason.UNTRUSTED_ISSUER


def test_expired_credential(authority, context, device_key):
    yesterday = context.now.date() - timedelta(days=1)
    issued = issue_mdoc(authority, device_key, expiry=yesterday)
    assert _reason(present_mdoc(issued, device_key, TRANSCRIPT), context) == Reason.EXPIRED


def test_another_doctype(authority, context, device_key):
    issued = issue_mdoc(authority, device_key, doctype="org.iso.18013.5.1.mDL")
    issued["documents"][0]["docType"] = "eu.europa.ec.eudi.pid.1"  # claims to be a PID
    assert _reason(present_mdoc(issued, device_key, TRANSCRIPT), context) == Reason.CREDENTIAL_TYPE


def _replace_element(issued: dict[str, Any], name: str, value: object) -> None:
    document = issued["documents"][0]
    items = document["issuerSigned"]["nameSpaces"]["eu.europa.ec.eudi.pid.1"]
    for index, item in enumerate(items):
        decoded = cbor2.loads(item.value)
        if decoded["elementIdentifier"] == name:
            decoded["elementValue"] = value
            items[index] = cbor2.CBORTag(24, cbor2.dumps(decoded))


def test_tampered_element(authority, context, device_key):
    issued = issue_mdoc(authority, device_key)
    _replace_element(issued, "family_name", "Musterfrau")
    assert _reason(present_mdoc(issued, device_key, TRANSCRIPT), context) == Reason.DISCLOSURE


def test_an_element_in_a_namespace_the_issuer_did_not_sign(authority, context, device_key):
    issued = issue_mdoc(authority, device_key)
    foreign = cbor2.dumps(
        {"digestID": 0, "random": b"0" * 16, "elementIdentifier": "x", "elementValue": "y"}
    )
    issued["documents"][0]["issuerSigned"]["nameSpaces"]["org.example"] = [
        cbor2.CBORTag(24, foreign)
    ]
    assert _reason(present_mdoc(issued, device_key, TRANSCRIPT), context) == Reason.DISCLOSURE


def test_tampered_issuer_signature(authority, context, device_key):
    issued = issue_mdoc(authority, device_key)
    issuer_auth = list(issued["documents"][0]["issuerSigned"]["issuerAuth"])
    issuer_auth[3] = bytes(len(issuer_auth[3]))
    issued["documents"][0]["issuerSigned"]["issuerAuth"] = issuer_auth
    assert _reason(present_mdoc(issued, device_key, TRANSCRIPT), context) == Reason.SIGNATURE


def test_an_undisclosed_name_is_a_missing_claim(authority, context, device_key):
    elements = {"given_name": "Erika", "birth_date": "1964-08-12"}
    issued = issue_mdoc(authority, device_key, elements=elements)
    assert _reason(present_mdoc(issued, device_key, TRANSCRIPT), context) == Reason.MISSING_CLAIM


@pytest.mark.parametrize(
    "garbage",
    ["", "!!", base64.urlsafe_b64encode(cbor2.dumps([1, 2])).decode(), 17, ["x"]],
)
def test_garbage_is_refused(context, garbage):
    with pytest.raises(VerificationFailed):
        verify_presentation(garbage, context)
