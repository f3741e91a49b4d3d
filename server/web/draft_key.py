"""The key that encrypts a browser's form drafts (Entwürfe) at rest.

The browser keeps drafts in IndexedDB encrypted with AES-GCM under a key it can only get from
here. The browser holds a random 256-bit key id in its own HttpOnly cookie; the key is derived
from it and the portal's secret, so no cookie carries key material. The id outlives the login
session on purpose: a citizen fills a form over several sittings, and a session that times out
in between (or while a submission waits offline) must not cost the draft. Logging out ends the
id: the next visitor of a shared tablet gets a new id and key, the browser sees the new id and
discards the drafts it can no longer read, and the server can no longer derive the old key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request, session

COOKIE = "portal_drafts"


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


def _cookie_name() -> str:
    # Like the session cookie: a __Host- cookie over HTTPS.
    return ("__Host-" if current_app.config["SESSION_COOKIE_SECURE"] else "") + COOKIE


def session_draft_key() -> DraftKey:
    """This browser's draft key, created on first use (the id is set as a cookie)."""
    key_id = request.cookies.get(_cookie_name())
    if not key_id or len(key_id) < 40:
        key_id = secrets.token_urlsafe(32)
        g.new_draft_key_id = key_id
    return DraftKey(key_id=key_id, key=_derive(key_id))


def _keep_or_end_key(response: Response) -> Response:
    name = _cookie_name()
    if getattr(session, "revoked", False):
        # Logged out: the drafts of this browser can no longer be opened.
        response.delete_cookie(name, path="/", secure=current_app.config["SESSION_COOKIE_SECURE"])
    elif "new_draft_key_id" in g:
        response.set_cookie(
            name,
            g.new_draft_key_id,
            max_age=current_app.config["FORM_DRAFT_DAYS"] * 86400,
            path="/",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
    return response


def init_draft_key(app: Flask) -> None:
    app.after_request(_keep_or_end_key)
