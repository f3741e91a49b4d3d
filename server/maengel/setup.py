"""Wires the Mängelmelder into the app: its form on the engine, its public list."""

from __future__ import annotations

from flask import Flask

from server.forms.registry import register_definition
from server.maengel.definition import DEFINITION
from server.maengel.views import bp


def init_maengel(app: Flask) -> None:
    register_definition(DEFINITION)
    app.register_blueprint(bp)
