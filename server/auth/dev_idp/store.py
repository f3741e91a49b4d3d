"""Where the development identity provider keeps its state: files under ``DEV_EID_DIR``.

Files, not memory and not the database: ``portal serve`` runs several worker processes, and
a code issued by one worker is redeemed at another, whose token is then shown to a third at
the userinfo endpoint; each must also sign with the same key that the JWKS publishes. Files in
one directory give every process the same state with no migration for a stand-in that never
runs in production, and the signing key survives a restart, so ID tokens kept in sessions
(for logout) still verify. Memory would work only for ``portal demo`` (one process).

Secrets are never used as file names: each record is stored under the SHA-256 of its secret.
A record is taken for single use by renaming it, which only one process can win.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from joserfc.jwk import KeySet, RSAKey

KEY_FILE = "signing-key.json"
KINDS = ("codes", "tokens", "nonces")


class DevIdpStore:
    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self._key: RSAKey | None = None
        self._lock = threading.Lock()

    # -- signing key ---------------------------------------------------------------------------

    def signing_key(self) -> RSAKey:
        """The provider's RSA key, generated on first use and shared by all processes."""
        with self._lock:
            if self._key is None:
                self._key = self._load_or_create_key()
            return self._key

    def _load_or_create_key(self) -> RSAKey:
        path = self.directory / KEY_FILE
        if not path.exists():
            key = RSAKey.generate_key(
                2048,
                parameters={"kid": f"dev-eid-{secrets.token_hex(6)}", "alg": "RS256", "use": "sig"},
                private=True,
            )
            self._publish(path, json.dumps(key.as_dict(private=True)))
        # Whoever won the race to create it, everybody uses the key on disk.
        return RSAKey.import_key(json.loads(path.read_text("utf-8")))

    def public_jwks(self) -> dict[str, Any]:
        return dict(KeySet([self.signing_key()]).as_dict(private=False))

    # -- single-use and expiring records -------------------------------------------------------

    def save(self, kind: str, secret: str, record: dict[str, Any], lifetime_seconds: int) -> None:
        self._purge_expired(kind)
        data = {**record, "expires_at": time.time() + lifetime_seconds}
        self._publish(self._path(kind, secret), json.dumps(data), replace=True)

    def exists(self, kind: str, secret: str) -> bool:
        return self.load(kind, secret) is not None

    def load(self, kind: str, secret: str) -> dict[str, Any] | None:
        try:
            data: dict[str, Any] = json.loads(self._path(kind, secret).read_text("utf-8"))
        except (FileNotFoundError, ValueError):
            return None
        return data if data.get("expires_at", 0) > time.time() else None

    def take(self, kind: str, secret: str) -> dict[str, Any] | None:
        """The record, removed so that nobody can take it again (authorization codes)."""
        path = self._path(kind, secret)
        claimed = path.with_name(f"{path.name}.taken-{secrets.token_hex(8)}")
        try:
            path.rename(claimed)
        except FileNotFoundError:
            return None
        try:
            data: dict[str, Any] = json.loads(claimed.read_text("utf-8"))
        except ValueError:
            return None
        finally:
            claimed.unlink(missing_ok=True)
        return data if data.get("expires_at", 0) > time.time() else None

    # -- files ---------------------------------------------------------------------------------

    def _path(self, kind: str, secret: str) -> Path:
        if kind not in KINDS:
            raise ValueError(f"unknown record kind {kind!r}")
        digest = hashlib.sha256(secret.encode("utf-8")).hexdigest()
        return self.directory / kind / f"{digest}.json"

    def _publish(self, path: Path, text: str, *, replace: bool = False) -> None:
        """Write to a temporary file, then move it in place: readers never see half a file."""
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
            if replace:
                os.replace(temporary, path)
            else:
                with contextlib.suppress(FileExistsError):
                    os.link(temporary, path)  # fails if another process was first
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)

    def _purge_expired(self, kind: str) -> None:
        folder = self.directory / kind
        if not folder.is_dir():
            return
        now = time.time()
        for path in folder.glob("*.json"):
            with contextlib.suppress(FileNotFoundError, ValueError):
                if json.loads(path.read_text("utf-8")).get("expires_at", 0) <= now:
                    path.unlink(missing_ok=True)
