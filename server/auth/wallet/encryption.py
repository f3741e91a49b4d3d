"""Encrypted answers (``direct_post.jwt``, OpenID4VP 1.0 §8.3): each transaction has its own
ephemeral P-256 key; the request object publishes its public half in ``client_metadata.jwks``
and the wallet encrypts its answer to it with ECDH-ES (direct key agreement) and AES-GCM.

The private half lives in the transaction's row until the answer arrives, so only this one
answer can ever be read with it. The key's ``kid`` is the transaction's ``state``: the
encrypted answer names in its header which transaction it belongs to.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from jwcrypto import jwe, jwk
from jwcrypto.common import JWException, base64url_decode

from server.auth.wallet.errors import Reason, VerificationFailed
from server.auth.wallet.settings import ENCRYPTION_ENC_VALUES

KEY_ALGORITHM = "ECDH-ES"


def new_key(kid: str) -> str:
    """A fresh private key as JWK JSON, to keep with the transaction."""
    key = jwk.JWK.generate(kty="EC", crv="P-256", kid=kid, use="enc", alg=KEY_ALGORITHM)
    return str(key.export_private())


def public_jwk(private_jwk: str) -> dict[str, Any]:
    public: dict[str, Any] = jwk.JWK.from_json(private_jwk).export_public(as_dict=True)
    return public


def thumbprint(private_jwk: str) -> bytes:
    """RFC 7638 SHA-256 thumbprint of the public key, as bytes (the mdoc session transcript
    binds the answer to the key it was encrypted to)."""
    public = public_jwk(private_jwk)
    members = {name: public[name] for name in ("crv", "kty", "x", "y")}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).digest()


def header_kid(token: str) -> str | None:
    """The ``kid`` of a compact JWE's protected header, read before decrypting (to find the
    transaction whose key decrypts it)."""
    try:
        protected = token.split(".", 1)[0]
        header = json.loads(base64url_decode(protected))
    except (ValueError, UnicodeDecodeError):
        return None
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid if isinstance(kid, str) else None


def decrypt(token: str, private_jwk: str) -> dict[str, Any]:
    """The answer's parameters from a compact JWE encrypted to this transaction's key, with
    ``alg`` ECDH-ES and an ``enc`` the request offered; anything else fails closed."""
    key = jwk.JWK.from_json(private_jwk)
    message = jwe.JWE()
    message.allowed_algs = [KEY_ALGORITHM, *ENCRYPTION_ENC_VALUES]
    try:
        message.deserialize(token, key=key)
    except (JWException, ValueError, KeyError, TypeError) as error:
        raise VerificationFailed(Reason.ENCRYPTION, type(error).__name__) from error
    header = message.jose_header
    if header.get("alg") != KEY_ALGORITHM or header.get("enc") not in ENCRYPTION_ENC_VALUES:
        raise VerificationFailed(Reason.ENCRYPTION, "algorithm not as offered")
    if header.get("kid") not in (None, key.get("kid")):
        raise VerificationFailed(Reason.ENCRYPTION, "kid of another key")
    try:
        payload = json.loads(message.payload)
    except ValueError as error:
        raise VerificationFailed(Reason.MALFORMED, "the payload is not JSON") from error
    if not isinstance(payload, dict):
        raise VerificationFailed(Reason.MALFORMED, "the payload is not an object")
    return payload
