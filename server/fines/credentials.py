"""The letter's two ways into a case: the QR code's URL token and the typed access code.

The token has 192 random bits and only its SHA-256 is stored. The access code has 80 random bits
in Crockford's base32 (no I, L, O, U; case, dashes and spaces do not matter, I/L read as 1 and O
as 0), printed in four groups of four; it is stored with Argon2id.
"""

from __future__ import annotations

import hashlib
import secrets

from server.auth.passwords import hash_password, verify_password
from server.readable_codes import new_readable_code, normalise_readable_code

ACCESS_CODE_LENGTH = 16  # 16 x 5 bits = 80 bits


def new_url_token() -> str:
    return secrets.token_urlsafe(24)


def url_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_access_code() -> str:
    return new_readable_code(ACCESS_CODE_LENGTH)


def normalise_access_code(text: str) -> str:
    return normalise_readable_code(text)


def hash_access_code(code: str) -> str:
    return hash_password(normalise_access_code(code))


def access_code_matches(code_hash: str | None, typed: str) -> bool:
    """Constant work whether or not the case exists (``code_hash`` None)."""
    return verify_password(code_hash, normalise_access_code(typed))
