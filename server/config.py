"""Settings, read from the environment.

Every setting the portal knows is listed in ``SETTINGS`` with its default and meaning; the
README's configuration table is checked against this list by a test, so the two cannot drift.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(RuntimeError):
    """The portal refuses to start with this configuration."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    meaning: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "PORTAL_ENV",
        "development",
        "`development`, `production` or `testing`. Production refuses demo providers and "
        "requires `SECRET_KEY`.",
    ),
    Setting(
        "SECRET_KEY",
        "(random per start outside production)",
        "Signs sessions and CSRF tokens. Required in production.",
    ),
    Setting(
        "DATABASE_URL",
        "sqlite:///instance/portal.db",
        "SQLAlchemy URL. PostgreSQL in production, e.g. `postgresql+psycopg://portal@db/portal`.",
    ),
    Setting(
        "PORTAL_BASE_URL",
        "http://127.0.0.1:5000",
        "Public base URL used in letters, mails and redirects. With `https://` the session "
        "cookie becomes a secure `__Host-` cookie.",
    ),
    Setting("PORTAL_CITY_NAME", "Musterstadt", "Name of the city shown in the portal."),
    Setting(
        "PORTAL_RELEASE",
        "",
        "Release or commit id; part of the service worker version together with the asset hashes.",
    ),
    Setting("PORTAL_THEME_COLOR", "#2044AA", "Theme colour of the installed app."),
    Setting(
        "RATELIMIT_STORAGE_URI",
        "memory://",
        "Where rate-limit counters live; use `redis://127.0.0.1:6379/0` with several workers.",
    ),
    Setting(
        "CLERK_LOGIN_RATE_LIMIT",
        "10 per 5 minutes",
        "Clerk login attempts allowed per client address.",
    ),
    Setting("MAX_CONTENT_LENGTH", "20971520", "Largest request body in bytes (20 MiB)."),
    Setting("SESSION_LIFETIME_MINUTES", "60", "Idle lifetime of a login session."),
    Setting("LOG_LEVEL", "INFO", "Log level of the portal's structured (JSON) log."),
    Setting("LOG_FORMAT", "json", "`json` (one object per line) or `text`."),
)


def _env(name: str, environ: dict[str, str]) -> str | None:
    value = environ.get(name)
    return value if value not in (None, "") else None


def load_config(
    overrides: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
    instance_path: Path | None = None,
) -> dict[str, Any]:
    """Build the Flask config from the environment, then apply ``overrides`` (tests)."""
    env = dict(os.environ if environ is None else environ)
    overrides = dict(overrides or {})
    instance = instance_path or REPO_ROOT / "instance"

    portal_env = overrides.get("PORTAL_ENV") or _env("PORTAL_ENV", env) or "development"
    if portal_env not in ("development", "production", "testing"):
        raise ConfigurationError(
            f"PORTAL_ENV must be development, production or testing, not {portal_env!r}"
        )

    secret_key = overrides.get("SECRET_KEY") or _env("SECRET_KEY", env)
    if not secret_key:
        if portal_env == "production":
            raise ConfigurationError("SECRET_KEY must be set in production")
        secret_key = os.urandom(32).hex()

    base_url = (
        overrides.get("PORTAL_BASE_URL") or _env("PORTAL_BASE_URL", env) or "http://127.0.0.1:5000"
    ).rstrip("/")
    secure = base_url.startswith("https://")

    database_url = (
        overrides.get("DATABASE_URL")
        or _env("DATABASE_URL", env)
        or f"sqlite:///{instance / 'portal.db'}"
    )

    config: dict[str, Any] = {
        "PORTAL_ENV": portal_env,
        "SECRET_KEY": secret_key,
        "DATABASE_URL": database_url,
        "PORTAL_BASE_URL": base_url,
        "PORTAL_CITY_NAME": _env("PORTAL_CITY_NAME", env) or "Musterstadt",
        "PORTAL_RELEASE": _env("PORTAL_RELEASE", env) or "",
        "PORTAL_THEME_COLOR": _env("PORTAL_THEME_COLOR", env) or "#2044AA",
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI", env) or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "CLERK_LOGIN_RATE_LIMIT": _env("CLERK_LOGIN_RATE_LIMIT", env) or "10 per 5 minutes",
        "MAX_CONTENT_LENGTH": int(_env("MAX_CONTENT_LENGTH", env) or 20 * 1024 * 1024),
        "PERMANENT_SESSION_LIFETIME": 60 * int(_env("SESSION_LIFETIME_MINUTES", env) or 60),
        "LOG_LEVEL": _env("LOG_LEVEL", env) or "INFO",
        "LOG_FORMAT": _env("LOG_FORMAT", env) or "json",
        # A __Host- cookie must be Secure, have Path=/ and no Domain: only possible over HTTPS.
        "SESSION_COOKIE_NAME": "__Host-portal_session" if secure else "portal_session",
        "SESSION_COOKIE_SECURE": secure,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PREFERRED_URL_SCHEME": "https" if secure else "http",
        "BABEL_DEFAULT_LOCALE": "de",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",
        "LANGUAGES": ("de", "en"),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        # Static text only: HTML carries CSRF tokens and personal data, and compressing secrets
        # next to attacker-chosen text invites BREACH. A proxy must follow the same rule.
        "COMPRESS_MIMETYPES": [
            "text/css",
            "text/javascript",
            "application/javascript",
            "application/json",
            "application/manifest+json",
            "image/svg+xml",
        ],
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "TESTING": portal_env == "testing",
    }
    config.update(overrides)
    return config
