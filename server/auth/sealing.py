"""Secrets the portal must read back (the clerks' TOTP secrets), encrypted at rest.

A TOTP secret cannot be hashed like a password: the server needs it to compute the expected
code. So it is encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) under a
key derived from the ``CLERK_TOTP_KEY`` setting (by default ``SECRET_KEY``). A copy of the
database alone then gives an attacker no second factor. Several comma-separated keys rotate: the
first encrypts, every one decrypts.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

PURPOSE = b"buergerportal clerk totp secret"


class SealError(ValueError):
    """A sealed value cannot be opened: the key changed or the value was altered."""


def _fernet(key_material: str) -> Fernet:
    # The setting may be any string (SECRET_KEY is); HKDF turns it into a proper 32-byte key.
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(
        key_material.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def _materials() -> list[str]:
    configured = str(current_app.config["CLERK_TOTP_KEY"])
    if configured == current_app.config["SECRET_KEY"]:
        return [configured]  # SECRET_KEY is one key, whatever characters it holds
    materials = [part.strip() for part in configured.split(",") if part.strip()]
    return materials


def _keys() -> MultiFernet:
    return MultiFernet([_fernet(material) for material in _materials()])


def seal(plain: str) -> str:
    return _keys().encrypt(plain.encode()).decode("ascii")


def unseal(sealed: str) -> str:
    try:
        return _keys().decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as error:
        raise SealError("the value cannot be decrypted with the configured keys") from error


def opens_with_first_key(sealed: str) -> bool:
    """Whether the value is encrypted with the newest key (else it is re-sealed on use)."""
    try:
        _fernet(_materials()[0]).decrypt(sealed.encode("ascii"))
    except (InvalidToken, UnicodeError):
        return False
    return True
