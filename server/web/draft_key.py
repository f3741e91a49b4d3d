"""The key that encrypts a browser's form drafts (Entwürfe) at rest, held for the session.

The browser keeps drafts in IndexedDB encrypted with AES-GCM under a key it can only get from
here. A session gets a random 256-bit id; the key is derived from it and the portal's secret, so
the session cookie itself never carries key material. A new session (logout, another person on a
shared tablet) yields a different id and key: the browser sees the new id and discards the
drafts it can no longer read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from flask import current_app, session

SESSION_KEY = "draft_key_id"


@dataclass(frozen=True)
class DraftKey:
    key_id: str
    key: bytes

    def as_json(self) -> dict[str, str]:
        return {
            "id": self.key_id,
            "key": base64.urlsafe_b64encode(self.key).rstrip(b"=").decode(),
            "algorithm": "AES-GCM",
        }


def _derive(key_id: str) -> bytes:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"portal-draft-key:" + key_id.encode(), hashlib.sha256).digest()


def session_draft_key() -> DraftKey:
    """This session's draft key, created on first use."""
    key_id = session.get(SESSION_KEY)
    if not isinstance(key_id, str) or not key_id:
        key_id = secrets.token_urlsafe(32)
        session[SESSION_KEY] = key_id
    return DraftKey(key_id=key_id, key=_derive(key_id))
