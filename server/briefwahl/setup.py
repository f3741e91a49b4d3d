"""Wires the Briefwahl into the app: the election read once at start (a wrong one refuses the
start), the application form on the engine."""

from __future__ import annotations

from flask import Flask

from server.briefwahl import election
from server.briefwahl.definition import DEFINITION
from server.config import ConfigurationError
from server.forms.registry import register_definition


def init_briefwahl(app: Flask) -> None:
    try:
        app.config[election.CONFIG_KEY] = election.parse(app.config)
    except ValueError as error:
        raise ConfigurationError(str(error)) from error
    register_definition(DEFINITION)
