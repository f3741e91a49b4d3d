"""Absolute public URLs (letters, mails, payment platforms), with or without a request."""

from __future__ import annotations

from typing import Any

from flask import current_app


def public_path(endpoint: str, **values: Any) -> str:
    """The path of ``endpoint``; works in CLI jobs, where ``url_for`` has no request."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def public_url(endpoint: str, **values: Any) -> str:
    """``PORTAL_BASE_URL`` plus the path: what letters print and platforms call back."""
    return str(current_app.config["PORTAL_BASE_URL"]) + public_path(endpoint, **values)
