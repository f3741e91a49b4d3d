"""The mdoc session transcript and the JWK thumbprint against OpenID4VP 1.0's own examples
(Appendix B.2.6.1)."""

from __future__ import annotations

import json

import cbor2
from jwcrypto import jwk

from server.auth.wallet.encryption import thumbprint
from server.auth.wallet.handover import handover, session_transcript

SPEC_JWK = {
    "kty": "EC",
    "crv": "P-256",
    "x": "DxiH5Q4Yx3UrukE2lWCErq8N8bqC9CHLLrAwLz5BmE0",
    "y": "XtLM4-3h5o3HUH0MHVJV0kyq0iBlrBwlh8qEDMZ4-Pc",
    "use": "enc",
    "alg": "ECDH-ES",
    "kid": "1",
}
SPEC_THUMBPRINT = "4283ec927ae0f208daaa2d026a814f2b22dca52cf85ffa8f3f8626c6bd669047"
SPEC_HANDOVER = (
    "82714f70656e494434565048616e646f7665725820048bc053c00442af9b8eed494c"
    "efdd9d95240d254b046b11b68013722aad38ac"
)
SPEC_TRANSCRIPT = (
    "83f6f682714f70656e494434565048616e646f7665725820048bc053c00442af9b8e"
    "ed494cefdd9d95240d254b046b11b68013722aad38ac"
)
ARGUMENTS = (
    "x509_san_dns:example.com",
    "exc7gBkxjx1rdc9udRrveKvSsJIq80avlXeLHhGwqtA",
    bytes.fromhex(SPEC_THUMBPRINT),
    "https://example.com/response",
)


def test_the_thumbprint_of_the_specs_key():
    # Only the public members count (RFC 7638): the private JWK as stored gives the same.
    assert thumbprint(json.dumps(SPEC_JWK)).hex() == SPEC_THUMBPRINT
    with_private = jwk.JWK.generate(kty="EC", crv="P-256", kid="1", alg="ECDH-ES")
    public = json.loads(with_private.export_public())
    assert thumbprint(with_private.export_private()) == thumbprint(json.dumps(public))


def test_handover_and_session_transcript_as_in_the_spec():
    assert cbor2.dumps(handover(*ARGUMENTS)).hex() == SPEC_HANDOVER
    assert cbor2.dumps(session_transcript(*ARGUMENTS)).hex() == SPEC_TRANSCRIPT


def test_an_unencrypted_answer_has_null_in_place_of_the_thumbprint():
    plain = handover(ARGUMENTS[0], ARGUMENTS[1], None, ARGUMENTS[3])
    assert plain != handover(*ARGUMENTS)
    assert plain[0] == "OpenID4VPHandover"
