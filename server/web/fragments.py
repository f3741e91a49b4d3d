"""Parts of pages that are the same for every visitor of a language, rendered once per process
(issue 17): the start page's tiles were a fifth of its rendering. Under ``FLASK_DEBUG``
they are rendered every time, so that an edited template shows at once."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, render_template, request
from markupsafe import Markup

from server.i18n import current_language
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


def per_language(name: str, render: Callable[[], str]) -> Markup:
    """A part of every page that depends only on the language (the footer's legal links, the
    drafts' texts, the banners), rendered by ``render`` (a macro) once per language and kept:
    a third of a personal page's template was these."""
    kept: dict[tuple[str, str, str], Markup] = current_app.extensions[_KEY]
    key = (current_language(), request.script_root, name)
    if not current_app.debug and key in kept:
        return kept[key]
    fragment = Markup(render())  # noqa: S704  # nosec B704  # a macro's output: escaped by Jinja
    if not current_app.debug:
        kept[key] = fragment
    return fragment


def init_fragments(app: Flask) -> None:
    app.extensions[_KEY] = {}
    app.jinja_env.globals.update(
        start_tiles=start_tiles, per_language=per_language, service_icon=service_icon
    )
