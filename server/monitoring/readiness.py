"""Whether this app server can do its work: what ``/readyz`` asks before a load balancer sends
it requests. Each check answers ``ok``, ``failed`` or ``not configured``; none names a person."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from flask import current_app

from server.extensions import db, limiter
from server.files.storage import storage

OK, FAILED, NOT_CONFIGURED = "ok", "failed", "not configured"
PROBE = b"readyz"


def database() -> str:
    return OK if db.ping() else FAILED


def rate_limit_storage() -> str:
    """The shared counters of the rate limits (Redis) when several workers share them; an
    app's own memory needs no check."""
    if current_app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        return NOT_CONFIGURED
    try:
        return OK if limiter.storage.check() else FAILED
    except Exception:  # a storage that cannot even be asked is not ready
        return FAILED


def file_storage() -> str:
    """Write, read back and remove a small file of its own (local folder or S3 bucket)."""
    key = f"readyz/{secrets.token_hex(8)}"
    try:
        store = storage()
        store.put(key, PROBE, "text/plain")
        try:
            read = store.get(key)
        finally:
            store.delete(key)
    except Exception:
        return FAILED
    return OK if read == PROBE else FAILED


CHECKS: dict[str, Callable[[], str]] = {
    "database": database,
    "rate_limit_storage": rate_limit_storage,
    "file_storage": file_storage,
}


def readiness() -> dict[str, str]:
    """Every check by name, each run even when another failed (the answer names all)."""
    return {name: check() for name, check in CHECKS.items()}


def ready(results: dict[str, str]) -> bool:
    return FAILED not in results.values()
