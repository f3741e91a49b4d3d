"""A request's CSRF token, the one Flask-WTF's ``generate_csrf`` would give: the secret in the
session (``csrf_token``, 40 hex digits), signed and dated with the same key, salt and format, and
noted in ``g`` for the rest of the request, where Flask-WTF's own ``generate_csrf`` (a form's
``csrf_token`` field) finds it. ``validate_csrf`` checks it as any other.

Made here because every page with a form makes one, and a new visitor's first page a new secret
as well (issue 17): Flask-WTF builds its serializer for each token, and itsdangerous tries to
compress each payload first, which for 40 hex digits never comes out shorter (the token is the
same without trying), and setting up the compressor was a third of a token's time."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, current_app, g, session
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.serializer import Serializer

from server.portal_flask import own
from server.signing import KeptKeySigner

# Flask-WTF's names: the session's and ``g``'s key (``WTF_CSRF_FIELD_NAME``'s default) and the
# serializer's salt.
CSRF_FIELD = "csrf_token"
_SALT = "wtf-csrf-token"
_SERIALIZER = "portal_csrf_serializer"


class _TokenSerializer(URLSafeTimedSerializer):
    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(Serializer.dump_payload(self, obj))

    def make_signer(self, salt: str | bytes | None = None) -> KeptKeySigner:
        # One signer for the serializer's life (itsdangerous makes one for every token), which
        # keeps its derived key; only the salt it was made with is ever asked for here.
        signer: KeptKeySigner | None = getattr(self, "_kept_signer", None)
        if signer is None:
            signer = self._kept_signer = KeptKeySigner(self.secret_keys, salt=self.salt)
        return signer


def _serializer(app: Flask) -> URLSafeTimedSerializer:
    """The app's serializer, made again only when its key changes (a test sets another)."""
    key: str | bytes | None = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    if not key:
        raise RuntimeError("A secret key is required to use CSRF.")  # as Flask-WTF says
    made: tuple[Any, URLSafeTimedSerializer] | None = app.extensions.get(_SERIALIZER)
    if made is None or made[0] != key:
        made = (key, _TokenSerializer(key, salt=_SALT))
        app.extensions[_SERIALIZER] = made
    return made[1]


def _secret() -> str:
    current = own(session)
    secret = current.get(CSRF_FIELD)
    if not isinstance(secret, str) or not secret:
        secret = current[CSRF_FIELD] = secrets.token_hex(20)
    return secret


def secret_for_next_page() -> None:
    """Put the secret into the session now when the next page has a form: a redirect that
    writes the session anyway (a letter's link grants its record) saves that page writing the
    session row again only for the secret (issue 17)."""
    _secret()


def request_token() -> str:
    """This request's token, made on first use (see the module's docstring)."""
    state = own(g)
    token = state.get(CSRF_FIELD)
    if token is None:
        token = _serializer(own(current_app)).dumps(_secret())
        setattr(state, CSRF_FIELD, token)
    return str(token)
