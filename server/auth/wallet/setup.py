"""Wires the wallet verifier into the app: its settings are read and checked once at start, so
that a configuration that cannot work stops the start, not the first login."""

from __future__ import annotations

from flask import Flask, current_app

from server.auth.wallet.settings import VerifierSettings, load_settings

EXTENSION = "wallet_verifier"


def init_wallet(app: Flask) -> None:
    """Read the ``WALLET_*`` settings; again after ``PORTAL_BASE_URL`` changed (the demo)."""
    app.extensions.pop(EXTENSION, None)
    settings = load_settings(app.config)
    if settings is not None:
        app.extensions[EXTENSION] = settings


def enabled(app: Flask | None = None) -> bool:
    return EXTENSION in (app or current_app).extensions


def verifier_settings(app: Flask | None = None) -> VerifierSettings:
    found = (app or current_app).extensions[EXTENSION]
    assert isinstance(found, VerifierSettings)
    return found
