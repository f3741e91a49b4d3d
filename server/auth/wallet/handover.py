"""The mdoc session transcript of an OpenID4VP presentation invoked by redirect (OpenID4VP 1.0
Appendix B.2.6.1): what the wallet's device key signs, binding the mdoc to this verifier
(client id with its prefix), this transaction (nonce), the key the answer was encrypted to
(its JWK thumbprint, or null when unencrypted) and where the answer goes (response URI)::

    SessionTranscript = [null, null, ["OpenID4VPHandover", sha256(cbor(
        [client_id, nonce, jwk_thumbprint or null, response_uri]))]]
"""

from __future__ import annotations

import hashlib
from typing import Any

import cbor2


def handover(
    client_id: str, nonce: str, jwk_thumbprint: bytes | None, response_uri: str
) -> list[Any]:
    info = cbor2.dumps([client_id, nonce, jwk_thumbprint, response_uri])
    return ["OpenID4VPHandover", hashlib.sha256(info).digest()]


def session_transcript(
    client_id: str, nonce: str, jwk_thumbprint: bytes | None, response_uri: str
) -> list[Any]:
    # DeviceEngagementBytes and EReaderKeyBytes are null: there is no ISO 18013-5 engagement.
    return [None, None, handover(client_id, nonce, jwk_thumbprint, response_uri)]
