"""Wires the appointments area into the app."""

from __future__ import annotations

from flask import Flask

from server.appointments.access import KIND
from server.appointments.account import describe_bookings
from server.auth.records import register_record_kind


def init_appointments(app: Flask) -> None:
    from server.appointments.views import bp

    register_record_kind(KIND, describe_bookings)
    app.register_blueprint(bp)
