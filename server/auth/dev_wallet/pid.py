"""The test persons' PIDs as the development issuer issues them, and their presentation by the
holder, with the IETF reference implementation of SD-JWT (PyPI ``sd-jwt``: ``SDJWTIssuer``,
``SDJWTHolder``).

A PID is issued afresh for each presentation, bound to a fresh holder key (``cnf.jwk``), so it
always carries the test person's current data and a validity that has not run out; that is
the only difference from a wallet that keeps one. Every claim of the person is selectively
disclosable, as the PID rulebook has it; a presentation discloses only the claims asked for
and ends with the holder's key-binding JWT (``typ`` ``kb+jwt``, ``aud``, ``nonce``, ``iat``,
``sd_hash``).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from jwcrypto import jwk
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer

from server.auth.dev_idp.persons import TestPerson
from server.auth.dev_wallet.pki import Issuer

# ``iss`` is a URI; a URN names no host that a certificate would have to match.
ISSUER_ID = "urn:buergerportal:entwicklung:pid-aussteller"
CREDENTIAL_TYPE = "dc+sd-jwt"
VALIDITY = timedelta(days=90)
SIGNING_ALGORITHM = "ES256"


def sd_jwt_claims(person: TestPerson) -> dict[str, Any]:
    """The person's PID claims as the SD-JWT VC PID names them (``birthdate``, ``address``)."""
    claims: dict[str, Any] = {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "birthdate": person.birthdate,
        "nationalities": ["DE"],
    }
    if person.address is not None:
        claims["address"] = dict(person.address)
    return claims


def _selectively_disclosable(value: Any) -> Any:
    if isinstance(value, dict):
        return {SDObj(key): _selectively_disclosable(item) for key, item in value.items()}
    return value


def _x5c(issuer: Issuer) -> list[str]:
    der = issuer.signer.certificate.public_bytes(serialization.Encoding.DER)
    return [base64.b64encode(der).decode("ascii")]


def issue_sd_jwt(
    person: TestPerson, issuer: Issuer, holder_key: jwk.JWK, vct: str, now: datetime | None = None
) -> str:
    """The PID as issued: issuer-signed JWT and all disclosures."""
    now = now or datetime.now(UTC)
    payload: dict[str, Any] = {
        "iss": ISSUER_ID,
        "vct": vct,
        "iat": int(now.timestamp()),
        "exp": int((now + VALIDITY).timestamp()),
        "issuing_country": "DE",
        "issuing_authority": "DE",
    }
    payload.update(_selectively_disclosable(sd_jwt_claims(person)))
    signer_key = jwk.JWK.from_pyca(issuer.signer.key)
    issued = SDJWTIssuer(
        payload,
        signer_key,
        holder_key,
        sign_alg=SIGNING_ALGORITHM,
        add_decoy_claims=True,
        extra_header_parameters={"typ": CREDENTIAL_TYPE, "x5c": _x5c(issuer)},
    )
    return str(issued.sd_jwt_issuance)


def _everything(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _everything(item) for key, item in value.items()}
    return True


def disclosure_selection(claims: dict[str, Any], paths: tuple[tuple[str, ...], ...]) -> Any:
    """What to disclose, in the holder library's shape (nested dicts, ``True`` for a claim):
    each path asked for, with everything below it; paths to claims the person does not have
    are left out."""
    selection: dict[str, Any] = {}
    for path in paths:
        value: Any = claims
        target = selection
        for depth, name in enumerate(path):
            if not isinstance(value, dict) or name not in value:
                break
            value = value[name]
            if depth == len(path) - 1:
                target[name] = _everything(value)
                break
            if not isinstance(target.get(name), dict):
                if name in target:  # disclosed as a whole already
                    break
                target[name] = {}
            target = target[name]
    return selection


def present_sd_jwt(
    issuance: str,
    holder_key: jwk.JWK,
    selection: Any,
    *,
    nonce: str,
    audience: str,
) -> str:
    """Issuer JWT, the selected disclosures and the key-binding JWT, joined by ``~``."""
    holder = SDJWTHolder(issuance)
    holder.create_presentation(
        selection, nonce=nonce, aud=audience, holder_key=holder_key, sign_alg=SIGNING_ALGORITHM
    )
    return str(holder.sd_jwt_presentation)


def sd_jwt_presentation(
    person: TestPerson,
    issuer: Issuer,
    vct: str,
    paths: tuple[tuple[str, ...], ...],
    *,
    nonce: str,
    audience: str,
) -> str:
    """A PID of ``person`` presented with the claims at ``paths`` to ``audience`` (the
    verifier's client id with its prefix) for ``nonce``."""
    holder_key = jwk.JWK.generate(kty="EC", crv="P-256")
    issuance = issue_sd_jwt(person, issuer, holder_key, vct)
    selection = disclosure_selection(sd_jwt_claims(person), paths)
    return present_sd_jwt(issuance, holder_key, selection, nonce=nonce, audience=audience)
