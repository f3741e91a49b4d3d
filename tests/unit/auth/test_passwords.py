from __future__ import annotations

from server.auth.passwords import hash_password, verify_password


def test_argon2id_hash_verifies_only_the_right_password() -> None:
    hashed = hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "correct horse battery")
    assert not verify_password(hashed, "Correct horse battery")


def test_unknown_user_and_garbage_hashes_never_verify() -> None:
    assert not verify_password(None, "not-a-real-password")
    assert not verify_password("not a hash", "anything")
