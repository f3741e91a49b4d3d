"""Wires the Meldebescheinigung into the app: its application on the engine, the PDF route."""

from __future__ import annotations

from flask import Flask

from server.forms.registry import register_definition
from server.meldebescheinigung.definition import DEFINITION
from server.meldebescheinigung.views import bp


def init_meldebescheinigung(app: Flask) -> None:
    register_definition(DEFINITION)
    app.register_blueprint(bp)
