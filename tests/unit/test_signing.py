"""The portal's signer signs as itsdangerous's ``TimestampSigner`` with its defaults does: the same
signature for the same key, salt, value and second; each accepts the other's; a signature made
with a rotated-out key is still accepted, a tampered one never."""

from __future__ import annotations

import pytest
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from server.signing import KeptKeySigner

_NOW = 1_796_000_000


@pytest.fixture(autouse=True)
def _fixed_second(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.time", lambda: float(_NOW))


@pytest.mark.parametrize("value", ["", "0" * 40, "ä€ and more"])
def test_the_same_signature_as_itsdangerous_for_the_same_second(value: str) -> None:
    ours = KeptKeySigner("k" * 32, salt="portal-anonymous-csrf")
    theirs = TimestampSigner("k" * 32, salt="portal-anonymous-csrf")
    assert ours.sign(value) == theirs.sign(value)
    # Again: the kept key signs as the first derivation did.
    assert ours.sign(value) == theirs.sign(value)
    assert theirs.unsign(ours.sign(value)) == value.encode()
    assert ours.unsign(theirs.sign(value), max_age=60) == value.encode()


def test_another_salt_or_key_is_another_signature() -> None:
    signed = KeptKeySigner("k" * 32, salt="one").sign("value")
    with pytest.raises(BadSignature):
        KeptKeySigner("k" * 32, salt="two").unsign(signed)
    with pytest.raises(BadSignature):
        KeptKeySigner("j" * 32, salt="one").unsign(signed)


def test_a_tampered_or_expired_signature_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    signer = KeptKeySigner("k" * 32, salt="one")
    signed = signer.sign("value")
    with pytest.raises(BadSignature):
        signer.unsign(signed[:-1] + (b"A" if signed[-1:] != b"A" else b"B"))
    with pytest.raises(BadSignature):
        signer.unsign(b"other" + signed[5:])
    monkeypatch.setattr("time.time", lambda: float(_NOW + 61))
    with pytest.raises(SignatureExpired):
        signer.unsign(signed, max_age=60)


def test_the_newest_key_signs_and_every_key_is_accepted() -> None:
    old = KeptKeySigner("old" * 11, salt="one").sign("value")
    rotated = KeptKeySigner(["old" * 11, "new" * 11], salt="one")
    assert rotated.unsign(old) == b"value"
    assert rotated.sign("value") == TimestampSigner("new" * 11, salt="one").sign("value")
