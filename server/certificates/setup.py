"""Wires the certificates area into the app: its order form is a service of the form engine."""

from __future__ import annotations

from flask import Flask

from server.certificates.definition import DEFINITION
from server.forms.registry import register_definition


def init_certificates(app: Flask) -> None:
    register_definition(DEFINITION)
