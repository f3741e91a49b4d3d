"""Parts of public pages that are the same for every visitor of a language, rendered once per
process (issue 17): the start page's tiles were a fifth of its rendering. Under ``FLASK_DEBUG``
they are rendered every time, so that an edited template shows at once."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from markupsafe import Markup

from server.i18n import current_language
from server.web.catalogue import SERVICES

_KEY = "portal_fragments"


def start_tiles() -> Markup:
    """The start page's list of service tiles in the current language. Kept by language and
    script root (the tiles' links start with it): nothing else of the request is in them."""
    kept: dict[tuple[str, str], Markup] = current_app.extensions[_KEY]
    key = (current_language(), request.script_root)
    if not current_app.debug and key in kept:
        return kept[key]
    rendered = render_template("partials/web/start_tiles.html", services=SERVICES)
    tiles = Markup(rendered)  # noqa: S704  # nosec B704  # a template's output: escaped by Jinja
    if not current_app.debug:
        kept[key] = tiles
    return tiles


def init_fragments(app: Flask) -> None:
    app.extensions[_KEY] = {}
    app.jinja_env.globals["start_tiles"] = start_tiles
