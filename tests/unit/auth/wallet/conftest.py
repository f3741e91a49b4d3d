from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server.auth.wallet.context import PresentationContext
from tests.wallet_pid import Authority

CLIENT_ID = "x509_san_dns:localhost"
NONCE = "n-0S6_WzA2Mj-nonce-of-this-transaction"
RESPONSE_URI = "https://localhost/wallet/antwort"


@pytest.fixture(scope="session")
def authority() -> Authority:
    return Authority()


@pytest.fixture
def context(authority: Authority) -> PresentationContext:
    return PresentationContext(
        client_id=CLIENT_ID,
        nonce=NONCE,
        response_uri=RESPONSE_URI,
        jwk_thumbprint=None,
        now=datetime.now(UTC),
        trust_anchors=(authority.root,),
        vct_values=("urn:eudi:pid:de:1", "urn:eudi:pid:1"),
        claims=("given_name", "family_name", "birthdate", "address"),
    )
