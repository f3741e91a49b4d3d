"""Security headers and the caching policy, applied to every response in one place.

Caching is decided here, not by the views: only what is explicitly public may be kept, everything
else is ``no-store``, whatever the view (or ``send_file``, which says ``no-cache``) set. Public is a
view marked ``@public_page`` while nobody is logged in, a view marked ``@public_resource`` (the same
bytes for everyone: the manifest, the service worker) and the static files. Only those responses
carry ``X-Portal-Cacheable: 1``, the marker the service worker needs before it keeps anything: the
Cache API ignores ``Cache-Control`` and ``private``, and a shared tablet must not keep anyone's
personal pages, attachments or receipts.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Callable
from functools import cache, wraps
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlsplit

from flask import Flask, Response, g, request, session
from werkzeug.wrappers import Response as BaseResponse

from server.extensions import csrf
from server.portal_flask import own

F = TypeVar("F", bound=Callable[..., Any])
R = TypeVar("R", bound=BaseResponse)

IDENTITY_SESSION_KEYS = ("clerk_id", "citizen_id")


def public_page(view: F) -> F:
    """Mark a view whose page is the same for every anonymous visitor."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.public_page = True
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def public_resource(view: F) -> F:
    """Mark a view whose response is the same for everybody, logged in or not (no session in it)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.public_resource = True
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


# A request for a page's blank copy (no answers, nothing from the account): what the drafts client
# fetches ahead so that the service worker can keep a logged-in citizen's form steps for offline
# use; the answers come back from the sealed drafts in the browser.
BLANK_COPY_HEADER = "X-Portal-Blank"


def wants_blank_copy() -> bool:
    return request.method == "GET" and request.headers.get(BLANK_COPY_HEADER) == "1"


def serve_as_blank_copy() -> None:
    """This response is the same for everybody (the view left out what the session holds)."""
    g.public_resource = True


def allows_webassembly(view: F) -> F:
    """Let this page compile WebAssembly (the QR scanner's decoder); nothing else is relaxed."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.allow_webassembly = True
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def csp_nonce() -> str:
    state = own(g)
    nonce = state.get("csp_nonce")
    if nonce is None:
        nonce = state.csp_nonce = secrets.token_urlsafe(18)
    return str(nonce)


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


def is_logged_in() -> bool:
    current = own(session)
    return any(key in current for key in IDENTITY_SESSION_KEYS)


# The service worker keeps a response only if this header says so (service_worker/sw.js).
CACHEABLE_HEADER = "X-Portal-Cacheable"
# A public page's default: the browser may keep it but asks the server again each time.
PUBLIC_PAGE_CACHE_CONTROL = "private, no-cache"
# Headers that only serve revalidating a stored copy, meaningless (and revealing) with no-store.
REVALIDATION_HEADERS = ("Expires", "ETag", "Last-Modified")


def _is_public(response: Response, state: Any, static: bool) -> bool:
    if response.status_code >= 400:
        return False
    if static or state.get("public_resource"):
        return True
    return bool(state.get("public_page")) and not is_logged_in()


def _cache_control(response: Response, state: Any, current: Any) -> tuple[str, bool]:
    """The Cache-Control value this response gets, and whether the service worker may keep it
    (``state`` and ``current``: the objects behind ``g`` and ``request``).

    Only public responses (see the module's docstring) keep a cacheable value; everything else is
    ``no-store``, even if the view chose ``no-cache``, ``private`` or a ``max-age``.
    """
    static = current.endpoint == "static"
    if not _is_public(response, state, static):
        return "no-store", False
    if static:
        if current.args.get("v"):
            return "public, max-age=31536000, immutable", True
        return "no-cache", True
    chosen = response.headers.get("Cache-Control")
    if chosen and "no-store" in chosen:
        return "no-store", False
    # A public view may choose its own value (the service worker: ``no-cache``).
    return chosen or PUBLIC_PAGE_CACHE_CONTROL, True


def clear_browser_cache(response: R) -> R:
    """For a logout: the browser drops its HTTP cache for the portal (what an earlier release let
    it keep, e.g. downloads sent with ``no-cache``).

    Only ``"cache"``: it leaves the Cache API alone (checked in Chromium), so the service worker's
    app shell survives and the portal still opens offline; the worker empties its runtime cache
    itself when it sees the logout go by (service_worker/sw.js). ``"storage"`` would unregister
    the worker and wipe IndexedDB too: no offline shell, and the drafts code (which forgets a
    session's drafts on logout on its own terms) would lose the citizen's saved drafts.
    """
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


_FIXED_HEADERS = (
    ("Strict-Transport-Security", "max-age=63072000; includeSubDomains"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    # The camera for the letter's QR code, the position for a defect's place (Mängelmelder).
    ("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()"),
)


@cache
def _policy_around_nonce(webassembly: bool) -> tuple[str, ...]:
    """The policy in the pieces between its nonces (made once: every response needs it)."""
    return tuple(content_security_policy("\0", webassembly=webassembly).split("\0"))


def vary_on(response: BaseResponse, *names: str) -> None:
    """``response.vary.add(name)`` for each of ``names``: the header read and written once
    (``response.vary`` parses it into a set and writes it back for every ``add``; issue 17)."""
    headers = response.headers
    current = headers.get("Vary")
    if not current:
        headers["Vary"] = ", ".join(names)
        return
    present = {part.strip().lower() for part in current.split(",")}
    missing = [name for name in names if name.lower() not in present]
    if missing:
        headers["Vary"] = ", ".join([current, *missing])


def apply_security_headers(response: Response) -> Response:
    headers = response.headers
    state, current = own(g), own(request)
    cache_control, cacheable = _cache_control(response, state, current)
    # The names the response has are looked at once: setting a header looks through all of
    # them each time, the dearest part of this function for a dozen headers (issue 17).
    present = {name.lower() for name, _ in headers}
    policy = csp_nonce().join(_policy_around_nonce(bool(state.get("allow_webassembly"))))
    for name, value in (
        ("Content-Security-Policy", policy),
        *_FIXED_HEADERS,
        ("Cache-Control", cache_control),
    ):
        if name.lower() in present:
            headers[name] = value
        else:
            headers.add(name, value)
    # Only this layer grants the marker: a view cannot set it by itself.
    if CACHEABLE_HEADER.lower() in present:
        headers.remove(CACHEABLE_HEADER)
    if cacheable:
        headers.add(CACHEABLE_HEADER, "1")
    else:
        for header in REVALIDATION_HEADERS:
            if header.lower() in present:
                headers.remove(header)
    # One URL serves a page or its htmx fragment, a step its blank copy: caches keep them apart.
    if state.get("public_resource") and current.headers.get(BLANK_COPY_HEADER) is not None:
        vary_on(response, "HX-Request", BLANK_COPY_HEADER)
    else:
        vary_on(response, "HX-Request")
    return response


def init_csrf_check(app: Flask) -> None:
    """Flask-WTF's check of the token, on the requests whose method it checks (``POST``,
    ``PUT``, ``PATCH``, ``DELETE``) and with the views exempted by ``csrf.exempt``. Its own
    ``before_request`` (``WTF_CSRF_CHECK_DEFAULT``, off) looked up the view's exemption before
    the method, for every page too: 2.6 % of the start page's instructions (issue 17)."""
    checked = frozenset(app.config["WTF_CSRF_METHODS"])

    @app.before_request
    def check_csrf() -> None:
        if own(request).method in checked and app.config["WTF_CSRF_ENABLED"]:
            csrf.protect(apply_exemptions=True)


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
    # The prefix first: urllib refuses a host that NFKC folds into ``/`` or ``?`` (``//／``) with
    # a ValueError, and a path with one leading ``/`` has no host for it to refuse.
    if not path.startswith("/") or path.startswith("//"):
        return False
    parts = urlsplit(path)
    return not parts.scheme + parts.netloc


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
