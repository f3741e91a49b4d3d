"""The signed authorization request the wallet fetches from the request URI (JAR, RFC 9101, as
OpenID4VP 1.0 §5 profiles it): ``typ`` ``oauth-authz-req+jwt``, signed ES256 with the verifier
certificate's key, the chain in ``x5c``. The wallet checks the chain and, by the client id's
prefix, that the leaf names this portal's host (``x509_san_dns``) or hashes to the client id
(``x509_hash``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from jwcrypto import jwk, jws

from server.auth.wallet.dcql import client_metadata_formats, pid_query
from server.auth.wallet.encryption import KEY_ALGORITHM, public_jwk
from server.auth.wallet.models import ResponseMode, WalletTransaction
from server.auth.wallet.settings import ENCRYPTION_ENC_VALUES, VerifierSettings
from server.db import as_utc

CONTENT_TYPE = "application/oauth-authz-req+jwt"
REQUEST_TYPE = "oauth-authz-req+jwt"
# Static discovery: the wallet is not known in advance (OpenID4VP 1.0 §5.8).
AUDIENCE = "https://self-issued.me/v2"


def _client_metadata(settings: VerifierSettings, transaction: WalletTransaction) -> dict[str, Any]:
    metadata: dict[str, Any] = {"vp_formats_supported": client_metadata_formats(settings.formats)}
    if transaction.response_mode == ResponseMode.DIRECT_POST_JWT.value:
        assert transaction.encryption_key is not None
        key = public_jwk(transaction.encryption_key)
        key.update({"use": "enc", "alg": KEY_ALGORITHM})
        metadata["jwks"] = {"keys": [key]}
        metadata["encrypted_response_enc_values_supported"] = list(ENCRYPTION_ENC_VALUES)
    return metadata


def claims(
    settings: VerifierSettings, transaction: WalletTransaction, now: datetime
) -> dict[str, Any]:
    """The request object's payload for this transaction."""
    payload: dict[str, Any] = {
        "aud": AUDIENCE,
        "client_id": transaction.client_id,
        "response_type": "vp_token",
        "response_mode": transaction.response_mode,
        "response_uri": transaction.response_uri,
        "nonce": transaction.nonce,
        "state": transaction.state,
        "dcql_query": pid_query(settings.claims, settings.formats, settings.vct_values),
        "client_metadata": _client_metadata(settings, transaction),
        "iat": int(now.timestamp()),
        "exp": int(as_utc(transaction.expires_at).timestamp()),
    }
    if settings.registration_certificate:
        payload["verifier_info"] = [
            {"format": "registration_cert", "data": settings.registration_certificate}
        ]
    return payload


def sign(settings: VerifierSettings, payload: dict[str, Any]) -> str:
    header = {"alg": "ES256", "typ": REQUEST_TYPE, "x5c": settings.x5c}
    token = jws.JWS(json.dumps(payload, ensure_ascii=False).encode("utf-8"))
    token.add_signature(
        jwk.JWK.from_pyca(settings.signing_key), alg="ES256", protected=json.dumps(header)
    )
    return str(token.serialize(compact=True))
