"""What a presentation must be bound to and checked against: one transaction's values and the
verifier's policy, handed to the format's checks (SD-JWT VC, mdoc)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509

# Clocks of wallets and issuers differ from ours by this much at most.
CLOCK_SKEW = timedelta(seconds=60)
# A holder's proof (the SD-JWT's key-binding JWT) older than this is not taken: the wallet made
# it when the citizen agreed, moments before it posted the answer.
PROOF_MAX_AGE = timedelta(minutes=5)


@dataclass(frozen=True)
class PresentationContext:
    client_id: str  # with its prefix: the audience of the holder's proof
    nonce: str
    response_uri: str
    jwk_thumbprint: bytes | None  # of the key the answer was encrypted to, if it was
    now: datetime
    trust_anchors: tuple[x509.Certificate, ...]
    vct_values: tuple[str, ...]
    claims: tuple[str, ...]  # logical claim names asked for (``dcql.CLAIMS``)
