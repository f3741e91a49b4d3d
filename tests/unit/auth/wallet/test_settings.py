"""The WALLET_* settings: what cannot work stops the start, production needs HTTPS and real
trust anchors."""

from __future__ import annotations

from typing import Any

import pytest

from server.auth.wallet.settings import DEVELOPMENT_ORGANIZATION, load_settings, x509_hash
from server.config import ConfigurationError, load_config
from tests.wallet_pid import Authority, VerifierPki, pem

PRODUCTION = {
    "PORTAL_ENV": "production",
    "SECRET_KEY": "s" * 32,
    "PAYMENT_PROVIDER": "xbezahldienste",
}


@pytest.fixture(scope="module")
def pki() -> VerifierPki:
    return VerifierPki(host="portal.musterstadt.de")


@pytest.fixture(scope="module")
def authority() -> Authority:
    return Authority()


def environ(pki: VerifierPki, authority: Authority, **more: str) -> dict[str, str]:
    return {
        "PORTAL_BASE_URL": "https://portal.musterstadt.de",
        "WALLET_VERIFIER_CERTIFICATES": pki.chain_pem,
        "WALLET_VERIFIER_KEY": pki.key_pem,
        "WALLET_TRUSTED_ISSUERS": pem(authority.root),
        **more,
    }


def settings(environment: dict[str, str]) -> Any:
    return load_settings(load_config(environ=environment))


def test_off_without_a_verifier_certificate():
    assert load_config(environ={})["WALLET_VERIFIER_CERTIFICATES"] == ""
    assert settings({}) is None


def test_defaults(pki, authority):
    found = settings(environ(pki, authority))
    assert found.client_id == "x509_san_dns:portal.musterstadt.de"
    assert found.certificates == (pki.leaf, pki.root)
    assert found.trust_anchors == (authority.root,)
    assert found.claims == ("given_name", "family_name", "birthdate", "address")
    assert found.formats == ("dc+sd-jwt", "mso_mdoc")
    assert found.vct_values == ("urn:eudi:pid:de:1", "urn:eudi:pid:1")
    assert found.response_mode.value == "direct_post.jwt"
    assert found.transaction_lifetime.total_seconds() == 600
    assert found.registration_certificate is None
    assert found.authorization_endpoint == "openid4vp://"


def test_pem_files_and_the_hash_prefix(pki, authority, tmp_path):
    chain, key, anchors = tmp_path / "chain.pem", tmp_path / "key.pem", tmp_path / "pid.pem"
    chain.write_text(pki.chain_pem)
    key.write_text(pki.key_pem)
    anchors.write_text(pem(authority.root, Authority(name="Second").root))
    registration = tmp_path / "registration.jwt"
    registration.write_text("eyJhbGciOiJFUzI1NiJ9.e30.c2ln\n")
    found = settings(
        {
            "PORTAL_BASE_URL": "http://127.0.0.1:5000",
            "WALLET_VERIFIER_CERTIFICATES": str(chain),
            "WALLET_VERIFIER_KEY": str(key),
            "WALLET_TRUSTED_ISSUERS": str(anchors),
            "WALLET_CLIENT_ID_PREFIX": "x509_hash",
            "WALLET_REGISTRATION_CERTIFICATE": str(registration),
        }
    )
    assert found.client_id == f"x509_hash:{x509_hash(pki.leaf)}"
    assert len(found.trust_anchors) == 2
    assert found.registration_certificate == "eyJhbGciOiJFUzI1NiJ9.e30.c2ln"


@pytest.mark.parametrize(
    ("more", "message"),
    [
        ({"PORTAL_BASE_URL": "https://other.example"}, "DNS name 'other.example'"),
        ({"WALLET_CLIENT_ID_PREFIX": "redirect_uri"}, "WALLET_CLIENT_ID_PREFIX"),
        ({"WALLET_CLAIMS": "given_name,family_name,shoe_size"}, "shoe_size"),
        ({"WALLET_CLAIMS": "given_name,address"}, "needs family_name, birthdate"),
        ({"WALLET_PID_FORMATS": "jwt_vc_json"}, "WALLET_PID_FORMATS"),
        ({"WALLET_RESPONSE_MODE": "fragment"}, "WALLET_RESPONSE_MODE"),
        ({"WALLET_VERIFIER_KEY": ""}, "WALLET_VERIFIER_KEY must be set"),
        ({"WALLET_VERIFIER_CERTIFICATES": "/nonexistent/chain.pem"}, "cannot read"),
        ({"WALLET_TRANSACTION_MINUTES": "0"}, "at least 1"),
    ],
)
def test_what_cannot_work_stops_the_start(pki, authority, more, message):
    with pytest.raises(ConfigurationError, match=message):
        settings(environ(pki, authority, **more))


def test_a_key_of_another_certificate(pki, authority):
    other = VerifierPki(host="portal.musterstadt.de")
    with pytest.raises(ConfigurationError, match="does not belong"):
        settings(environ(pki, authority, WALLET_VERIFIER_KEY=other.key_pem))


def test_production_needs_https_and_trust_anchors(pki, authority):
    assert settings({**PRODUCTION, **environ(pki, authority)}) is not None
    with pytest.raises(ConfigurationError, match="https"):
        load_config(environ={**PRODUCTION, **environ(pki, authority, PORTAL_BASE_URL="http://x")})
    with pytest.raises(ConfigurationError, match="WALLET_TRUSTED_ISSUERS"):
        load_config(environ={**PRODUCTION, **environ(pki, authority, WALLET_TRUSTED_ISSUERS="")})


def test_production_refuses_development_certificates(pki):
    development = Authority(organization=DEVELOPMENT_ORGANIZATION)
    production = {**PRODUCTION, **environ(pki, development)}
    with pytest.raises(ConfigurationError, match="development issuer"):
        settings(production)
    assert settings({**production, "PORTAL_ENV": "development"}) is not None
    dev_verifier = VerifierPki(host="portal.musterstadt.de", organization=DEVELOPMENT_ORGANIZATION)
    with pytest.raises(ConfigurationError, match="development verifier"):
        settings({**PRODUCTION, **environ(dev_verifier, Authority())})
