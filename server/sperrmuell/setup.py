"""Wires the bulky waste pickup into the app: the rules read once at start (a wrong file refuses
the start) and the order on the engine."""

from __future__ import annotations

from flask import Flask

from server.config import ConfigurationError
from server.forms.registry import register_definition
from server.sperrmuell import rules
from server.sperrmuell.definition import DEFINITION


def init_sperrmuell(app: Flask) -> None:
    try:
        app.config[rules.CONFIG_KEY] = rules.load(str(app.config.get("SPERRMUELL_FILE") or ""))
    except ValueError as error:
        raise ConfigurationError(f"SPERRMUELL_FILE: {error}") from error
    register_definition(DEFINITION)
