"""Wires the public pages into the app: start page, catalogue, legal pages, PWA files, health."""

from __future__ import annotations

from flask import Flask

from server.config import ConfigurationError
from server.page_cache import init_page_cache
from server.web.catalogue import ORDER_KEY, tile_order


def init_web(app: Flask) -> None:
    from server.web.fragments import init_fragments
    from server.web.legal_views import init_legal
    from server.web.views import bp

    try:
        app.config[ORDER_KEY] = tile_order(str(app.config.get("START_TILE_ORDER") or ""))
    except ValueError as error:
        raise ConfigurationError(f"START_TILE_ORDER: {error}") from error
    app.register_blueprint(bp)
    init_legal(app)
    init_fragments(app)
    init_page_cache(app)
