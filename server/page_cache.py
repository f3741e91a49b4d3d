"""Whole public pages rendered once per process (issue 17): the start page spent four fifths of
its time in Jinja, for HTML that is the same for every visitor of a URL and language.

What differs per response is only the CSP nonce and the CSRF token: the kept page holds marks in
their place, and every response gets its own fresh values filled in (the parts of every page
kept per language, ``server/web/fragments.py``, have a third mark: the page's own path, where
the language switch comes back to). A page is kept only when nothing of the visitor can be in
it: a plain GET (no htmx fragment, no blank copy), no flashed message waiting in the session,
and for ``@public_page`` views nobody logged in (a ``@public_resource`` view is the same for
everybody). Under ``FLASK_DEBUG`` nothing is kept, so that an edited template shows at once;
``PAGE_CACHE_ENTRIES`` bounds the pages kept per process (the least recently used goes) and 0
switches the cache off.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, NamedTuple, TypeVar

from flask import Flask, Request, current_app, g, request, session
from markupsafe import escape

from server.csrf_tokens import CSRF_FIELD, request_token
from server.i18n import chosen_language
from server.portal_flask import own
from server.security import BLANK_COPY_HEADER, csp_nonce, is_logged_in

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

_KEY = "portal_page_cache"
# Letters only: nothing escapes them, in an attribute, in JSON or in text.
NONCE_MARK = "portalNonceMarkQx7Kc2"
CSRF_MARK = "portalCsrfMarkVb4Zt9"
PATH_MARK = "portalPathMarkJw8Rn3"
_MARKS = re.compile(f"({NONCE_MARK}|{CSRF_MARK}|{PATH_MARK})")


class PageKey(NamedTuple):
    """What a kept page is the same for: its address, in parts, and its language."""

    scheme: str
    host: str
    root_path: str
    path: str
    query: str
    language: str


def _mark_values(marks: tuple[str, ...]) -> dict[str, str]:
    """This response's nonce, token and path for the marks there are (each made only if
    needed)."""
    return {mark: _MARK_VALUES[mark]() for mark in set(marks)}


def page_path() -> str:
    """The path and query of this page (where the language switch comes back to); a mark while
    a part is rendered to be kept."""
    if g.get("rendering_kept_page"):
        return PATH_MARK
    return _path()


def _path() -> str:
    return str(own(request).full_path).rstrip("?")


_MARK_VALUES: dict[str, Callable[[], str]] = {
    NONCE_MARK: csp_nonce,
    CSRF_MARK: request_token,
    # Put into an attribute's value, escaped as the template would have escaped it.
    PATH_MARK: lambda: str(escape(_path())),
}


class MarkedText(NamedTuple):
    """A rendered part as ``pieces`` of text and, between each two of them, the mark that goes
    there: filled by joining, not by looking for the marks in the whole text again."""

    pieces: tuple[str, ...]
    marks: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> MarkedText:
        parts = _MARKS.split(text)
        return cls(tuple(parts[::2]), tuple(parts[1::2]))

    def filled(self) -> str:
        """With this response's nonce and token; with the marks while a page is rendered to be
        kept (that page's own filling does it)."""
        if not self.marks:
            return self.pieces[0]
        values = (
            {mark: mark for mark in self.marks}
            if own(g).get("rendering_kept_page")
            else _mark_values(self.marks)
        )
        return "".join(_joined(self.pieces, self.marks, values))


class KeptPage(NamedTuple):
    """A rendered page as UTF-8 bytes, cut at its marks as ``MarkedText`` is. Filled by joining
    (issue 17): replacing the marks in the page's text and encoding it for every response read
    and copied it three times."""

    pieces: tuple[bytes, ...]
    marks: tuple[str, ...]

    @classmethod
    def of(cls, page: str) -> KeptPage:
        text = MarkedText.of(page)
        return cls(tuple(piece.encode() for piece in text.pieces), text.marks)

    def filled(self) -> bytes:
        """The page with this response's nonce and token."""
        values = {mark: value.encode() for mark, value in _mark_values(self.marks).items()}
        return b"".join(_joined(self.pieces, self.marks, values))


def _joined(pieces: tuple[T, ...], marks: tuple[str, ...], values: Mapping[str, T]) -> list[T]:
    joined = [pieces[0]]
    for mark, piece in zip(marks, pieces[1:], strict=True):
        joined += (values[mark], piece)
    return joined


class KeptPages:
    """A bounded map of rendered pages, shared by the threads of one process."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._pages: OrderedDict[PageKey, KeptPage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: PageKey) -> KeptPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: PageKey, page: KeptPage) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.entries:
                self._pages.popitem(last=False)


def _csrf_token() -> str:
    """The template's ``csrf_token()``: a mark while a page is rendered to be kept."""
    if g.get("rendering_kept_page"):
        return CSRF_MARK
    return request_token()


def _may_keep(app: Flask, current: Request) -> bool:
    if app.debug or not app.extensions[_KEY].entries:
        return False
    if current.method != "GET" or current.headers.get("HX-Request"):
        return False
    if current.headers.get(BLANK_COPY_HEADER) is not None:
        return False
    if "_flashes" in session:
        return False
    return bool(g.get("public_resource")) or not is_logged_in()


def rendered_with_marks(render: Callable[[], T]) -> tuple[T, bool]:
    """What ``render`` gives with marks for nonce and token, and whether a real token still
    got in (a form's own ``csrf_token`` field asks Flask-WTF directly, which notes it in ``g``):
    such a result must not be kept. Within a page being rendered to be kept, a part rendered
    this way leaves the nonce and token that page had so far as they were."""
    earlier_token = g.pop(CSRF_FIELD, None)
    outer = (g.pop("rendering_kept_page", None), g.pop("csp_nonce", None))
    g.rendering_kept_page = True
    g.csp_nonce = NONCE_MARK
    try:
        rendered = render()
    finally:
        g.pop("rendering_kept_page", None)
        g.pop("csp_nonce", None)
        for name, value in zip(("rendering_kept_page", "csp_nonce"), outer, strict=True):
            if value is not None:
                setattr(g, name, value)
    personal = CSRF_FIELD in g
    if earlier_token is not None and not personal:
        setattr(g, CSRF_FIELD, earlier_token)
    return rendered, personal


def _rendered_page(render: Callable[[], T]) -> tuple[T | str, bool]:
    rendered, personal = rendered_with_marks(render)
    if isinstance(rendered, str) and personal:
        return MarkedText.of(rendered).filled(), personal
    return rendered, personal


def keep(render: Callable[[], T]) -> T | str | bytes:
    """The page ``render`` returns (the rendered HTML; UTF-8 bytes from the kept copy), kept as
    ``@kept_page`` keeps a view's: for a view whose page is the same for everybody only in some
    cases (a form's first step without a draft), called in those; the view marks itself public
    as ``@public_page`` or ``@public_resource`` would."""
    app, current = own(current_app), own(request)
    if not _may_keep(app, current):
        return render()
    pages: KeptPages = app.extensions[_KEY]
    # Host, script root, path and query: the page's links and its language alternates are
    # made of them (``request.url`` joined and decoded them anew for every request).
    key = PageKey(
        current.scheme,
        current.host,
        current.root_path,
        current.path,
        current.query_string.decode("latin-1"),
        # The language the page is rendered in (Flask-Babel's selector asks the same), without
        # making Flask-Babel's locale and catalogue, which a kept page does not need: 8 % of
        # the start page's instructions (issue 17).
        chosen_language(),
    )
    page = pages.get(key)
    if page is None:
        rendered, personal = _rendered_page(render)
        if not isinstance(rendered, str) or personal:
            return rendered
        page = KeptPage.of(rendered)
        pages.put(key, page)
    return page.filled()


def kept_page(view: F) -> F:
    """Keep this view's page (it returns the rendered HTML); under ``@public_page`` or
    ``@public_resource``, which say who may get the kept copy."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return keep(lambda: view(*args, **kwargs))

    return wrapper  # type: ignore[return-value]


def init_page_cache(app: Flask) -> None:
    app.extensions[_KEY] = KeptPages(int(app.config["PAGE_CACHE_ENTRIES"]))
    # Flask-WTF's own function would put the first visitor's token into everybody's kept page:
    # it is both a global (macros see it) and in every template's context.
    app.jinja_env.globals["csrf_token"] = _csrf_token
    app.jinja_env.globals["page_path"] = page_path
    app.context_processor(lambda: {"csrf_token": _csrf_token})
