"""Checks of a PID presented as SD-JWT VC (``dc+sd-jwt``), the holder's proof included.

The reference implementation (PyPI ``sd-jwt``) verifies the issuer's signature with the key we
hand it, resolves the disclosures against the signed digests, and checks the key-binding JWT's
signature, ``typ``, ``aud``, ``nonce`` and ``sd_hash``. It leaves to us, and this module does:
which key (the ``x5c`` chain to a configured trust anchor), which algorithms, the credential's
``typ``, ``vct``, ``exp``/``nbf``, the proof's freshness (``iat``), that a key-binding JWT is
there at all (without ``aud`` and ``nonce`` it would skip it), and that every disclosure sent is
one the issuer signed (it ignores the others). Some of its checks are repeated before it runs
on the unverified values, only to name the reason of a failure; nothing is accepted from them.
Token status lists (revocation) are not checked yet.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from jwcrypto import jwk
from jwcrypto.common import JWException, base64url_decode
from sd_jwt.verifier import SDJWTVerifier

from server.auth.wallet import trust
from server.auth.wallet.context import CLOCK_SKEW, PROOF_MAX_AGE, PresentationContext
from server.auth.wallet.dcql import SD_JWT_VC
from server.auth.wallet.errors import Reason, VerificationFailed
from server.auth.wallet.person import VerifiedPerson, birth_date, required_text, street, text

ISSUER_ALGORITHMS = ("ES256", "ES384", "ES512")
CREDENTIAL_TYPES = ("dc+sd-jwt", "vc+sd-jwt")  # the latter as issued before SD-JWT VC draft 09
KEY_BINDING_TYPE = "kb+jwt"
# The library's errors: jwcrypto's, and plain ones for malformed input.
LIBRARY_ERRORS = (JWException, ValueError, KeyError, TypeError, IndexError, AttributeError)


def _json_part(part: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(base64url_decode(part))
    except (ValueError, UnicodeDecodeError) as error:
        raise VerificationFailed(Reason.MALFORMED, f"{what} is not base64url JSON") from error
    if not isinstance(value, dict):
        raise VerificationFailed(Reason.MALFORMED, f"{what} is not an object")
    return value


def _jwt_parts(token: str, what: str) -> tuple[dict[str, Any], dict[str, Any]]:
    parts = token.split(".")
    if len(parts) != 3:
        raise VerificationFailed(Reason.MALFORMED, f"{what} is not a compact JWS")
    return _json_part(parts[0], f"{what} header"), _json_part(parts[1], f"{what} payload")


def _split(presentation: str) -> tuple[str, list[str], str]:
    parts = presentation.split("~")
    if len(parts) < 2:
        raise VerificationFailed(Reason.MALFORMED, "not an SD-JWT")
    issuer_jwt, *disclosures, key_binding = parts
    if not key_binding:
        raise VerificationFailed(Reason.KEY_BINDING, "no key-binding JWT")
    return issuer_jwt, disclosures, key_binding


def _issuer_chain(header: dict[str, Any], context: PresentationContext) -> trust.TrustedIssuer:
    if header.get("typ") not in CREDENTIAL_TYPES:
        raise VerificationFailed(Reason.CREDENTIAL_TYPE, f"typ {header.get('typ')!r}")
    if header.get("alg") not in ISSUER_ALGORITHMS:
        raise VerificationFailed(Reason.SIGNATURE, f"alg {header.get('alg')!r}")
    x5c = header.get("x5c")
    if not isinstance(x5c, list) or not x5c or not all(isinstance(c, str) for c in x5c):
        raise VerificationFailed(Reason.UNTRUSTED_ISSUER, "no x5c")
    try:
        der = [base64.b64decode(item, validate=True) for item in x5c]
    except ValueError as error:
        raise VerificationFailed(Reason.UNTRUSTED_ISSUER, "x5c is not base64") from error
    return trust.verify_chain(trust.certificates_from_der(der), context.trust_anchors, context.now)


def _moment(value: Any, name: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise VerificationFailed(Reason.MALFORMED, f"{name} is not a number")
    return datetime.fromtimestamp(value, UTC)


def _check_key_binding_claims(token: str, context: PresentationContext) -> None:
    header, payload = _jwt_parts(token, "key-binding JWT")
    if header.get("typ") != KEY_BINDING_TYPE:
        raise VerificationFailed(Reason.KEY_BINDING, f"typ {header.get('typ')!r}")
    if payload.get("nonce") != context.nonce:
        raise VerificationFailed(Reason.NONCE, "the key-binding JWT has another nonce")
    if payload.get("aud") != context.client_id:
        raise VerificationFailed(Reason.AUDIENCE, "the key-binding JWT is for another verifier")
    issued = _moment(payload.get("iat"), "iat")
    if issued > context.now + CLOCK_SKEW or issued < context.now - PROOF_MAX_AGE - CLOCK_SKEW:
        raise VerificationFailed(Reason.STALE, "the key-binding JWT's iat is out of the window")


def _digests(value: Any) -> Iterator[str]:
    """Every digest a (disclosed) value refers to: ``_sd`` arrays and ``{"...": digest}``."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "_sd" and isinstance(item, list):
                yield from (digest for digest in item if isinstance(digest, str))
            elif key == "..." and isinstance(item, str) and len(value) == 1:
                yield item
            else:
                yield from _digests(item)
    elif isinstance(value, list):
        for item in value:
            yield from _digests(item)


def _check_disclosures_referenced(payload: dict[str, Any], disclosures: list[str]) -> None:
    """Each disclosure must be referenced by the signed payload or another disclosure (SD-JWT
    §7.1 step 3): a changed or foreign disclosure is refused, not silently ignored."""
    referenced = set(_digests(payload))
    for disclosure in disclosures:
        try:
            decoded = json.loads(base64url_decode(disclosure))
        except (ValueError, UnicodeDecodeError) as error:
            raise VerificationFailed(Reason.DISCLOSURE, "unreadable disclosure") from error
        if not isinstance(decoded, list) or len(decoded) not in (2, 3):
            raise VerificationFailed(Reason.DISCLOSURE, "not a disclosure")
        referenced.update(_digests(decoded[-1]))
    for disclosure in disclosures:
        digest = base64.urlsafe_b64encode(hashlib.sha256(disclosure.encode("ascii")).digest())
        if digest.rstrip(b"=").decode("ascii") not in referenced:
            raise VerificationFailed(Reason.DISCLOSURE, "a disclosure the issuer did not sign")


def _verify_with_library(
    presentation: str, issuer: trust.TrustedIssuer, context: PresentationContext
) -> dict[str, Any]:
    pem = issuer.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key = jwk.JWK.from_pem(pem)

    def issuer_key(_issuer: str, _header: dict[str, Any]) -> jwk.JWK:
        return key

    try:  # the issuer's signature alone first, to tell its failure from the holder's proof's
        SDJWTVerifier(presentation, issuer_key)
    except LIBRARY_ERRORS as error:
        raise VerificationFailed(Reason.SIGNATURE, type(error).__name__) from error
    try:
        verifier = SDJWTVerifier(
            presentation, issuer_key, expected_aud=context.client_id, expected_nonce=context.nonce
        )
        claims = verifier.get_verified_payload()
    except LIBRARY_ERRORS as error:
        raise VerificationFailed(Reason.KEY_BINDING, f"{type(error).__name__}: {error}") from error
    if not isinstance(claims, dict):
        raise VerificationFailed(Reason.MALFORMED, "the payload is not an object")
    return claims


def _check_validity(claims: dict[str, Any], context: PresentationContext) -> None:
    if "exp" in claims and _moment(claims["exp"], "exp") <= context.now - CLOCK_SKEW:
        raise VerificationFailed(Reason.EXPIRED, "exp has passed")
    if "nbf" in claims and _moment(claims["nbf"], "nbf") > context.now + CLOCK_SKEW:
        raise VerificationFailed(Reason.EXPIRED, "nbf is in the future")
    if "iat" in claims and _moment(claims["iat"], "iat") > context.now + CLOCK_SKEW:
        raise VerificationFailed(Reason.EXPIRED, "iat is in the future")


def _person(
    claims: dict[str, Any], issuer: trust.TrustedIssuer, context: PresentationContext
) -> VerifiedPerson:
    address = claims.get("address") if "address" in context.claims else None
    address = address if isinstance(address, dict) else {}
    return VerifiedPerson(
        given_name=required_text(claims, "given_name"),
        family_name=required_text(claims, "family_name"),
        birthdate=birth_date(claims.get("birthdate"), "birthdate"),
        street=street(address.get("street_address"), address.get("house_number")),
        postal_code=text(address.get("postal_code")),
        locality=text(address.get("locality")),
        country=text(address.get("country")),
        issuing_country=text(claims.get("issuing_country")) or issuer.country,
        issuing_authority=text(claims.get("issuing_authority")) or issuer.organization,
        credential_format=SD_JWT_VC,
        credential_type=str(claims["vct"]),
        issuer=issuer.certificate.subject.rfc4514_string(),
    )


def verify_presentation(presentation: Any, context: PresentationContext) -> VerifiedPerson:
    """The person a PID presentation (issuer JWT, disclosures, key-binding JWT) names, if it
    passes every check; ``VerificationFailed`` naming the first that fails otherwise."""
    if not isinstance(presentation, str):
        raise VerificationFailed(Reason.MALFORMED, "an SD-JWT presentation is a string")
    issuer_jwt, disclosures, key_binding = _split(presentation)
    header, unverified = _jwt_parts(issuer_jwt, "issuer JWT")
    issuer = _issuer_chain(header, context)
    _check_key_binding_claims(key_binding, context)
    _check_disclosures_referenced(unverified, disclosures)
    claims = _verify_with_library(presentation, issuer, context)
    if claims.get("vct") not in context.vct_values:
        raise VerificationFailed(Reason.CREDENTIAL_TYPE, f"vct {claims.get('vct')!r}")
    _check_validity(claims, context)
    if not isinstance(claims.get("cnf"), dict):
        raise VerificationFailed(Reason.KEY_BINDING, "no holder key (cnf)")
    return _person(claims, issuer, context)
