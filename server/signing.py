"""itsdangerous's timestamp signer with its defaults (HMAC-SHA1, the key derived by
"django-concat"), giving the same signatures for less work: a new visitor's first page signs
twice, its CSRF token and its anonymous cookie (issue 17).

itsdangerous derives the key anew for every signature, and hands ``hmac`` its SHA-1 wrapped in a
Python function, which sends ``hmac`` down its pure-Python path (two hash objects set up and
copied for every signature). Here the derived key is kept per secret key, and the HMAC is one
call into OpenSSL."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from itsdangerous import TimestampSigner
from itsdangerous.encoding import want_bytes
from itsdangerous.signer import SigningAlgorithm


class _OneCallHmacSha1(SigningAlgorithm):
    """itsdangerous's ``HMACAlgorithm`` with SHA-1, in one call."""

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return hmac.digest(key, value, "sha1")


class KeptKeySigner(TimestampSigner):
    """``TimestampSigner(secret_key, salt=salt)``: its signatures, its checks, its key rotation
    (the newest of ``secret_key`` signs, each is tried when checking)."""

    def __init__(
        self,
        secret_key: str | bytes | Iterable[str] | Iterable[bytes],
        salt: str | bytes | None = b"itsdangerous.Signer",
    ) -> None:
        super().__init__(
            secret_key,
            salt=salt,
            key_derivation="django-concat",
            digest_method=hashlib.sha1,
            algorithm=_OneCallHmacSha1(),
        )
        self._derived: dict[bytes, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        derived = self._derived.get(key)
        if derived is None:
            # Computed twice at worst when two threads sign at once: the same bytes either way.
            derived = self._derived[key] = super().derive_key(key)
        return derived
