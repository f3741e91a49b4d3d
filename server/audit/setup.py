"""Wires the audit log's admin page into the app."""

from __future__ import annotations

from flask import Flask


def init_audit(app: Flask) -> None:
    from server.audit.views import bp

    app.register_blueprint(bp)
