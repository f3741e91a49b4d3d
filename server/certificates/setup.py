"""Wires the certificates area into the app: its order form is a service of the form engine,
its own pages explain the ways without the eID (``views``). The document kinds the city ordered
at a lower level are read once, at start: an unknown kind refuses the start."""

from __future__ import annotations

from flask import Flask

from server.certificates import levels
from server.certificates.definition import DEFINITION
from server.certificates.views import bp
from server.config import ConfigurationError
from server.forms.registry import register_definition


def init_certificates(app: Flask) -> None:
    try:
        app.config[levels.SETTING] = levels.parse_lowered(app.config.get(levels.SETTING, ""))
    except ValueError as error:
        raise ConfigurationError(f"{levels.SETTING}: {error}") from error
    register_definition(DEFINITION)
    app.register_blueprint(bp)
