"""TOTP as authenticator apps compute it (RFC 6238), and the URI their QR code carries."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from server.auth import totp

# RFC 6238, appendix B: the SHA-1 test key and its 8-digit codes; apps show the last six.
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
RFC_VECTORS = {59: "94287082", 1111111109: "07081804", 1234567890: "89005924"}


def test_codes_match_the_rfc_test_vectors() -> None:
    for at, code in RFC_VECTORS.items():
        assert totp.code_at_step(RFC_SECRET, totp.time_step(at)) == code[-6:]


def test_a_code_matches_its_step_and_one_either_side_only() -> None:
    at = 1_234_567_890.0
    step = totp.time_step(at)
    for offset in (-1, 0, 1):
        code = totp.code_at_step(RFC_SECRET, step + offset)
        assert totp.matching_step(RFC_SECRET, code, at=at) == step + offset
    for offset in (-2, 2):
        assert (
            totp.matching_step(RFC_SECRET, totp.code_at_step(RFC_SECRET, step + offset), at=at)
            is None
        )


def test_typed_codes_are_normalised_and_nonsense_never_matches() -> None:
    at = 59.0
    assert totp.matching_step(RFC_SECRET, " 287 082 ", at=at) == 1
    assert totp.matching_step(RFC_SECRET, "287-082", at=at) == 1
    assert totp.matching_step(RFC_SECRET, "２８７０８２", at=at) == 1  # full-width digits
    for nonsense in ("", "28708", "2870822", "abcdef", "٢٨٧٠٨٢"):
        assert totp.matching_step(RFC_SECRET, nonsense, at=at) is None


def test_the_provisioning_uri_names_issuer_and_account() -> None:
    uri = totp.provisioning_uri(RFC_SECRET, account="b.berg", issuer="Bürgerportal Musterstadt")
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth"
    assert parts.netloc == "totp"
    assert unquote(parts.path) == "/Bürgerportal Musterstadt:b.berg"
    query = parse_qs(parts.query)
    assert query["secret"] == [RFC_SECRET]
    assert query["issuer"] == ["Bürgerportal Musterstadt"]


def test_new_secrets_are_160_bits_and_differ() -> None:
    first, second = totp.new_secret(), totp.new_secret()
    assert len(first) == 32
    assert first != second
    assert totp.grouped(first).replace(" ", "") == first
