"""The wallet peer's own tests: Credo issues both PID formats into Credo's wallet, and the
wallet answers a real OpenID4VP 1.0 verifier (Credo's own, inside the peer) in every
combination the portal uses; the negative options do what they say.

The portal's verifier is tested against this peer elsewhere; here the verifier is Credo's, so
these tests show the peer works before anyone's verifier is involved.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature

from tests.peers.wallet.fixtures import (
    MDOC,
    PID_DOCTYPE,
    PID_NAMESPACE,
    PID_PERSONS,
    PID_VCT_DE,
    PID_VCT_EU,
    SD_JWT,
    WalletPeer,
    WalletPeerError,
)

ERIKA = PID_PERSONS["erika"]


def _jwt_part(compact: str, index: int) -> dict[str, Any]:
    """Header (0) or payload (1) of the issuer-signed JWT of an SD-JWT."""
    encoded = compact.split("~", 1)[0].split(".")[index]
    part: dict[str, Any] = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    return part


def _x5c_leaf(compact: str) -> bytes:
    return base64.b64decode(_jwt_part(compact, 0)["x5c"][0])


def _signed_by(certificate_der: bytes, root_pem: str) -> bool:
    leaf = x509.load_der_x509_certificate(certificate_der)
    root = x509.load_pem_x509_certificate(root_pem.encode())
    try:
        leaf.verify_directly_issued_by(root)
    except (InvalidSignature, ValueError):  # ValueError: issued by another name
        return False
    return True


# -- issuing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("vct", [PID_VCT_DE, PID_VCT_EU])
def test_issues_an_sd_jwt_pid_with_an_x5c_chain_to_the_trust_anchor(wallet_peer: WalletPeer, vct):
    stored = wallet_peer.issue(SD_JWT, ERIKA, vct=vct)

    assert stored["via"] == "openid4vci"
    assert stored["credential_offer"].startswith("openid-credential-offer://")
    assert stored["vct"] == vct
    claims = stored["claims"]
    assert claims["given_name"] == "Erika"
    assert claims["family_name"] == "Mustermann"
    assert claims["birthdate"] == "1964-08-12"
    assert claims["address"] == ERIKA["address"]
    assert claims["iss"] == wallet_peer.issuer_url
    assert "jwk" in claims["cnf"]  # bound to the wallet's key

    header = _jwt_part(stored["compact"], 0)
    assert header["typ"] == "dc+sd-jwt"
    assert header["alg"] == "ES256"
    leaf = _x5c_leaf(stored["compact"])
    assert _signed_by(leaf, wallet_peer.trust_anchor_pem)
    assert not _signed_by(leaf, wallet_peer.untrusted_anchor_pem)
    # Every personal claim is selectively disclosable (none in the clear in the JWT).
    clear = _jwt_part(stored["compact"], 1)
    assert not {"given_name", "family_name", "birthdate", "address"} & clear.keys()


def test_issues_an_mdoc_pid(wallet_peer: WalletPeer):
    stored = wallet_peer.issue(MDOC, ERIKA)

    assert stored["via"] == "openid4vci"
    assert stored["doctype"] == PID_DOCTYPE
    elements = stored["claims"][PID_NAMESPACE]
    assert elements["given_name"] == "Erika"
    assert elements["family_name"] == "Mustermann"
    assert elements["birth_date"] == "1964-08-12"
    assert elements["resident_street"] == "Heidestraße 17"
    assert elements["resident_postal_code"] == "51147"
    assert elements["resident_city"] == "Köln"
    assert elements["resident_country"] == "DE"
    assert elements["age_over_18"] is True
    assert _signed_by(base64.b64decode(stored["issuer_certificate"]), wallet_peer.trust_anchor_pem)


@pytest.mark.parametrize("format", [SD_JWT, MDOC])
def test_untrusted_and_expired_pids(wallet_peer: WalletPeer, format):
    untrusted = wallet_peer.issue(format, ERIKA, untrusted=True)
    expired = wallet_peer.issue(format, ERIKA, expired=True)

    if format == MDOC:
        signer = base64.b64decode(untrusted["issuer_certificate"])
    else:
        signer = _x5c_leaf(untrusted["compact"])
    assert _signed_by(signer, wallet_peer.untrusted_anchor_pem)
    assert not _signed_by(signer, wallet_peer.trust_anchor_pem)
    assert expired["via"] == "direct"
    assert expired["valid_until"] < untrusted["valid_until"]
    assert {c["id"] for c in wallet_peer.credentials()} == {untrusted["id"], expired["id"]}


def test_bad_issue_requests_are_refused(wallet_peer: WalletPeer):
    with pytest.raises(WalletPeerError) as raised:
        wallet_peer.issue("jwt_vc_json", ERIKA)  # type: ignore[arg-type]
    assert raised.value.status == 400
    with pytest.raises(WalletPeerError, match="birthdate"):
        wallet_peer.issue(SD_JWT, {"given_name": "Erika", "family_name": "Mustermann"})


def test_each_test_starts_with_an_empty_wallet(wallet_peer: WalletPeer):
    assert wallet_peer.credentials() == []
    wallet_peer.issue(SD_JWT, ERIKA)
    wallet_peer.clear()
    assert wallet_peer.credentials() == []


# -- presenting to Credo's own verifier ------------------------------------------------------


@pytest.mark.parametrize("client_id_prefix", ["x509_san_dns", "x509_hash"])
@pytest.mark.parametrize("response_mode", ["direct_post", "direct_post.jwt"])
@pytest.mark.parametrize("format", [SD_JWT, MDOC])
def test_presents_to_a_verifier(wallet_peer: WalletPeer, format, response_mode, client_id_prefix):
    wallet_peer.issue(format, ERIKA)
    request = wallet_peer.verifier_request(format, response_mode, client_id_prefix)

    answer = wallet_peer.present(
        request["authorization_request"],
        trusted_certificates=[wallet_peer.verifier_certificate_pem()],
    )

    assert answer["ok"] is True, answer
    assert answer["status"] == 200
    assert answer["verifier"]["client_id_prefix"] == client_id_prefix
    assert answer["verifier"]["response_mode"] == response_mode
    if response_mode == "direct_post.jwt":
        assert set(answer["authorization_response"]) == {"response"}  # the JWE only
    else:
        assert answer["authorization_response"]["state"] == answer["verifier"]["state"]
    assert list(answer["authorization_response_payload"]["vp_token"]) == ["pid"]
    result = wallet_peer.verifier_result(request["session_id"])
    assert result["state"] == "ResponseVerified", result
    if format == MDOC:
        assert result["claims"][PID_NAMESPACE]["birth_date"] == "1964-08-12"
        assert result["claims"][PID_NAMESPACE]["resident_city"] == "Köln"
    else:
        assert result["claims"]["birthdate"] == "1964-08-12"
        assert result["claims"]["address"]["locality"] == "Köln"


def test_a_request_from_an_untrusted_verifier_is_refused(wallet_peer: WalletPeer):
    wallet_peer.issue(SD_JWT, ERIKA)
    request = wallet_peer.verifier_request(SD_JWT, "direct_post", "x509_san_dns")

    with pytest.raises(WalletPeerError) as raised:
        wallet_peer.present(
            request["authorization_request"], trusted_certificates=[wallet_peer.trust_anchor_pem]
        )

    assert raised.value.status == 422
    assert "No trusted certificate" in raised.value.error
    assert wallet_peer.verifier_result(request["session_id"])["state"] != "ResponseVerified"


def test_no_matching_credential(wallet_peer: WalletPeer):
    wallet_peer.issue(SD_JWT, ERIKA)
    request = wallet_peer.verifier_request(MDOC, "direct_post", "x509_san_dns")

    with pytest.raises(WalletPeerError) as raised:
        wallet_peer.present(
            request["authorization_request"],
            trusted_certificates=[wallet_peer.verifier_certificate_pem()],
        )

    assert raised.value.status == 409


def test_the_citizen_says_no(wallet_peer: WalletPeer):
    wallet_peer.issue(SD_JWT, ERIKA)
    request = wallet_peer.verifier_request(SD_JWT, "direct_post", "x509_san_dns")

    answer = wallet_peer.present(
        request["authorization_request"],
        trusted_certificates=[wallet_peer.verifier_certificate_pem()],
        refuse=True,
    )

    assert answer["refused"] is True
    sent = answer["authorization_response"]
    assert sent["error"] == "access_denied"
    assert sent["state"] == answer["verifier"]["state"]
    # Credo's verifier does not understand error responses (it wants a vp_token) and says so;
    # the portal's verifier must treat this as a refusal.
    assert answer["status"] == 400
    assert wallet_peer.verifier_result(request["session_id"])["state"] == "Error"


@pytest.mark.parametrize("response_mode", ["direct_post", "direct_post.jwt"])
def test_an_answer_built_but_not_sent(wallet_peer: WalletPeer, response_mode):
    wallet_peer.issue(MDOC, ERIKA)
    request = wallet_peer.verifier_request(MDOC, response_mode, "x509_san_dns")

    answer = wallet_peer.present(
        request["authorization_request"],
        trusted_certificates=[wallet_peer.verifier_certificate_pem()],
        submit=False,
    )

    assert answer["submitted"] is False
    assert answer["status"] is None
    assert answer["form_body"]  # the form the wallet would have posted
    assert wallet_peer.verifier_result(request["session_id"])["state"] == "RequestUriRetrieved"


@pytest.mark.parametrize(
    ("kind", "reason"),
    [("untrusted", "No trusted certificate"), ("expired", "xpire")],
)
@pytest.mark.parametrize("format", [SD_JWT, MDOC])
def test_a_verifier_refuses_untrusted_and_expired_pids(
    wallet_peer: WalletPeer, format, kind, reason
):
    # A valid PID in the wallet too: credential_id chooses which one is presented.
    wallet_peer.issue(format, ERIKA)
    bad = wallet_peer.issue(format, ERIKA, untrusted=kind == "untrusted", expired=kind == "expired")
    request = wallet_peer.verifier_request(format, "direct_post", "x509_san_dns")

    answer = wallet_peer.present(
        request["authorization_request"],
        trusted_certificates=[wallet_peer.verifier_certificate_pem()],
        credential_id=bad["id"],
    )

    assert answer["ok"] is False
    assert answer["status"] == 400
    result = wallet_peer.verifier_result(request["session_id"])
    assert result["state"] == "Error"
    assert reason in result["error"] or "valid at the time" in result["error"]
