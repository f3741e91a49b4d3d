"""Wires the public pages into the app: start page, catalogue, legal pages, PWA files, health."""

from __future__ import annotations

from flask import Flask

from server.page_cache import init_page_cache


def init_web(app: Flask) -> None:
    from server.web.fragments import init_fragments
    from server.web.legal_views import init_legal
    from server.web.views import bp

    app.register_blueprint(bp)
    init_legal(app)
    init_fragments(app)
    init_page_cache(app)
