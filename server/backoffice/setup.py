"""Wires the clerks' shell into the app: entrance and work overview (areas add their queues)."""

from __future__ import annotations

from flask import Flask


def init_backoffice(app: Flask) -> None:
    from server.backoffice.views import bp

    app.register_blueprint(bp)
