"""Parts of pages that are the same for every visitor of a language, rendered once per process
(issue 17): the start page's tiles were a fifth of its rendering. Under ``FLASK_DEBUG``
they are rendered every time, so that an edited template shows at once."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, render_template, request
from markupsafe import Markup

from server.i18n import current_language
from server.page_cache import MarkedText, rendered_with_marks
from server.portal_flask import own
from server.web.catalogue import start_page_services
from server.web.icons import service_icon

_KEY = "portal_fragments"


def start_tiles() -> Markup:
    """The start page's list of service tiles in the current language (their links start with
    the script root: nothing else of the request is in them)."""
    return per_language(
        "start_tiles",
        lambda: render_template("partials/web/start_tiles.html", services=start_page_services()),
    )


def per_language(name: str, render: Callable[..., str] | str, *arguments: str | bool) -> Markup:
    """A part of every page that depends only on the language (the head's assets, the footer's
    legal links, the drafts' texts, the banners, the language switch), rendered by ``render``
    (a macro, or ``"template.html:macro"``, loaded only when the part is rendered: importing
    a template costs each page that imports it) once per language and ``arguments`` (passed to
    it) and kept: these were half of a personal page's template. The part is kept with marks in
    place of the CSP nonce, the CSRF token and the page's path (``server/page_cache.py``),
    which every response fills with its own."""
    app = own(current_app)
    kept: dict[tuple[str | bool, ...], MarkedText] = app.extensions[_KEY]
    key = (current_language(), own(request).script_root, name, *arguments)
    fragment = None if app.debug else kept.get(key)
    if fragment is None:
        macro = _macro(render) if isinstance(render, str) else render
        rendered, personal = rendered_with_marks(lambda: macro(*arguments))
        fragment = MarkedText.of(str(rendered))
        if not app.debug and not personal:
            kept[key] = fragment
    return Markup(fragment.filled())  # noqa: S704  # nosec B704  # a macro's output: escaped by Jinja


def _macro(where: str) -> Callable[..., str]:
    template, _, name = where.partition(":")
    macro: Callable[..., str] = getattr(current_app.jinja_env.get_template(template).module, name)
    return macro


def init_fragments(app: Flask) -> None:
    app.extensions[_KEY] = {}
    app.jinja_env.globals.update(
        start_tiles=start_tiles, per_language=per_language, service_icon=service_icon
    )
