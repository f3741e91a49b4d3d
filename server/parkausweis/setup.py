"""Wires the Bewohnerparkausweis into the app: the zones read once at start (a wrong table
refuses the start), the application on the engine, the PDF and verification pages, and the
note the fines office sees on a case with a permitted plate."""

from __future__ import annotations

from flask import Flask

from server.config import ConfigurationError
from server.fines.plate_notes import register_plate_note
from server.forms.registry import register_definition
from server.parkausweis import permits, zones
from server.parkausweis.definition import DEFINITION
from server.parkausweis.views import bp


def init_parkausweis(app: Flask) -> None:
    try:
        app.config[zones.CONFIG_KEY] = zones.load(str(app.config.get("PARKING_ZONES_FILE") or ""))
    except ValueError as error:
        raise ConfigurationError(f"PARKING_ZONES_FILE: {error}") from error
    register_definition(DEFINITION)
    register_plate_note(permits.plate_note)
    app.register_blueprint(bp)
