"""Security headers and the caching policy, applied to every response in one place.

Caching: a response is cacheable by the browser and the service worker only if its view is marked
``@public_page`` and nobody is logged in; everything else is ``no-store``, because the Cache API
ignores ``private`` and a shared tablet must not keep anyone's personal pages.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlsplit

from flask import Flask, Response, g, request, session

F = TypeVar("F", bound=Callable[..., Any])

IDENTITY_SESSION_KEYS = ("clerk_id", "citizen_id")


def public_page(view: F) -> F:
    """Mark a view whose page is the same for every anonymous visitor."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.public_page = True
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def allows_webassembly(view: F) -> F:
    """Let this page compile WebAssembly (the QR scanner's decoder); nothing else is relaxed."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.allow_webassembly = True
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return str(g.csp_nonce)


def content_security_policy(nonce: str, *, webassembly: bool = False) -> str:
    wasm = " 'wasm-unsafe-eval'" if webassembly else ""
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'{wasm}",
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' data: blob:",
            "font-src 'self'",
            "connect-src 'self'",
            "manifest-src 'self'",
            "worker-src 'self'",
            "media-src 'self' blob:",
            "form-action 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        )
    )


def _is_logged_in() -> bool:
    return any(key in session for key in IDENTITY_SESSION_KEYS)


def cache_control_for(response: Response) -> str | None:
    """The Cache-Control value this response gets, or None to leave the view's choice alone."""
    if request.endpoint == "static":
        if request.args.get("v"):
            return "public, max-age=31536000, immutable"
        return "no-cache"
    if response.headers.get("Cache-Control"):
        return None
    if g.get("public_page") and not _is_logged_in() and response.status_code < 400:
        return "private, no-cache"
    return "no-store"


def apply_security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = content_security_policy(
        csp_nonce(), webassembly=bool(g.get("allow_webassembly"))
    )
    response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(self), geolocation=(), microphone=()"
    cache_control = cache_control_for(response)
    if cache_control:
        response.headers["Cache-Control"] = cache_control
    if "no-store" in response.headers.get("Cache-Control", ""):
        response.headers.pop("Expires", None)
        response.headers.pop("ETag", None)
    # One URL serves a page or its htmx fragment: caches must keep them apart.
    response.vary.add("HX-Request")
    return response


def init_security(app: Flask) -> None:
    app.after_request(apply_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce


# --- redirect targets (``next``) -------------------------------------------------------------

MAX_REDIRECT_LENGTH = 2000
# What a browser strips from both ends of a URL before parsing it (WHATWG: C0 controls and space).
_C0_AND_SPACE = "".join(chr(code) for code in range(0x21))
# Everything printable in ASCII except the space stays as it is (``%`` too: escapes are kept).
_URL_SAFE = "".join(chr(code) for code in range(0x21, 0x7F))


def _has_control(text: str) -> bool:
    """Controls in any sense: C0, DEL, C1, Unicode's format, surrogate, private and unassigned
    characters, and the line and paragraph separators (U+2028, U+2029)."""
    return any(unicodedata.category(char)[0] == "C" or char in "\u2028\u2029" for char in text)


def browser_view(url: str) -> str:
    """What a browser parses (WHATWG URL): ends trimmed, tabs and newlines out, ``\\`` as ``/``."""
    url = url.strip(_C0_AND_SPACE)
    return url.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")


def _is_local_path(url: str) -> bool:
    """No controls, and to a browser a path: one ``/``, then neither ``/`` nor ``\\``."""
    if _has_control(url):
        return False
    path = browser_view(url)
    parts = urlsplit(path)
    return path.startswith("/") and not path.startswith("//") and not parts.scheme + parts.netloc


def safe_redirect_target(target: object) -> str | None:
    """The same-origin path to send the browser to after a login, or None for the default page.

    Checked as a browser would read it (WHATWG URL parsing: tabs and newlines dropped, spaces and
    controls trimmed at both ends, ``\\`` as ``/``), so ``/\\evil``, ``/<tab>/evil`` or
    `` //evil`` count as another host and are refused. A control character anywhere (Werkzeug has
    already decoded ``%09`` in the query to a real tab) refuses the target outright: no link the
    portal makes has one, and in a header it would be a 500. The decoded form (``%2F``, ``%5C``) and
    the NFKC form (fullwidth ``／``) must pass too, for anything behind us that decodes or folds.
    The result is the normalised path, percent-encoded to ASCII, never the raw input.
    """
    if not isinstance(target, str) or not target or len(target) > MAX_REDIRECT_LENGTH:
        return None
    if _has_control(target):
        return None
    path = browser_view(target)
    for view in (path, unquote(path), unicodedata.normalize("NFKC", path)):
        if not _is_local_path(view):
            return None
    return quote(path, safe=_URL_SAFE)
