from __future__ import annotations

from pathlib import Path

import pytest

from server.config import SETTINGS, ConfigurationError, load_config, settings_table

SETTINGS_DOC = Path(__file__).resolve().parent.parent.parent / "docs" / "operations.md"


def test_defaults_run_on_sqlite_under_instance() -> None:
    config = load_config(environ={})
    assert config["DATABASE_URL"].startswith("sqlite:///")
    assert config["DATABASE_URL"].endswith("/instance/portal.db")
    assert config["PORTAL_ENV"] == "development"
    assert config["SESSION_COOKIE_NAME"] == "portal_session"
    assert config["BABEL_DEFAULT_LOCALE"] == "de"


def test_https_base_url_makes_the_session_cookie_a_host_cookie() -> None:
    config = load_config(environ={"PORTAL_BASE_URL": "https://portal.example.de/"})
    assert config["PORTAL_BASE_URL"] == "https://portal.example.de"
    assert config["SESSION_COOKIE_NAME"] == "__Host-portal_session"
    assert config["SESSION_COOKIE_SECURE"] is True


def test_unknown_environment_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="PORTAL_ENV"):
        load_config(environ={"PORTAL_ENV": "staging"})


def test_create_app_refuses_production_without_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from server import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("PORTAL_ENV", "production")
    with pytest.raises(ConfigurationError):
        create_app()


def test_every_setting_is_documented() -> None:
    """Regenerate the table in docs/operations.md with ``python -m server.config``."""
    assert settings_table() in SETTINGS_DOC.read_text(encoding="utf-8")
    assert len(SETTINGS) == len({setting.name for setting in SETTINGS})


def test_production_refuses_the_sandbox_payment_platform() -> None:
    production = {"PORTAL_ENV": "production", "SECRET_KEY": "s" * 32}
    with pytest.raises(ConfigurationError, match="sandbox"):
        load_config(environ=production)
    with pytest.raises(ConfigurationError, match="sandbox"):
        load_config(
            environ={**production, "PAYMENT_PROVIDER": "xbezahldienste", "SANDBOX_PAYMENTS": "yes"}
        )
    assert load_config(environ={})["SANDBOX_PAYMENTS"] is True


def test_settings_are_parsed_with_clear_errors() -> None:
    config = load_config(environ={"PAYMENT_METHODS": "Wero, PayPal ,,giropay"})
    assert config["PAYMENT_METHODS"] == ("Wero", "PayPal", "giropay")
    with pytest.raises(ConfigurationError, match="KASSENZEICHEN_DIGITS"):
        load_config(environ={"KASSENZEICHEN_DIGITS": "nine"})


def test_the_development_identity_provider_stands_in_only_outside_production() -> None:
    assert load_config(environ={})["DEV_EID_PROVIDER"] is True
    assert load_config(environ={"PORTAL_ENV": "testing"})["DEV_EID_PROVIDER"] is True
    # A configured provider replaces it, unless it is asked for explicitly.
    configured = {"OIDC_ISSUER": "https://broker.example/realms/buerger"}
    assert load_config(environ=configured)["DEV_EID_PROVIDER"] is False
    assert load_config({"OIDC_ISSUER": "https://op.example"})["DEV_EID_PROVIDER"] is False
    explicit = {**configured, "DEV_EID_PROVIDER": "yes"}
    assert load_config(environ=explicit)["DEV_EID_PROVIDER"] is True
    assert load_config(environ={"DEV_EID_PROVIDER": "no"})["DEV_EID_PROVIDER"] is False
    with pytest.raises(ConfigurationError, match="DEV_EID_PROVIDER"):
        load_config(environ={"DEV_EID_PROVIDER": "maybe"})


def test_production_refuses_the_development_identity_provider() -> None:
    production = {
        "PORTAL_ENV": "production",
        "SECRET_KEY": "s" * 32,
        "PAYMENT_PROVIDER": "xbezahldienste",
        "SANDBOX_PAYMENTS": "no",
    }
    assert load_config(environ=production)["DEV_EID_PROVIDER"] is False
    with pytest.raises(ConfigurationError, match="development identity provider"):
        load_config(environ={**production, "DEV_EID_PROVIDER": "yes"})
    with pytest.raises(ConfigurationError, match="development identity provider"):
        load_config({"DEV_EID_PROVIDER": True}, environ=production)


def test_create_app_refuses_the_development_identity_provider_in_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from server import create_app

    for name, value in {
        "PORTAL_ENV": "production",
        "SECRET_KEY": "s" * 32,
        "PAYMENT_PROVIDER": "xbezahldienste",
        "SANDBOX_PAYMENTS": "no",
        "DEV_EID_PROVIDER": "on",
    }.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match="DEV_EID_PROVIDER"):
        create_app({"DATABASE_URL": "sqlite://"})


def test_a_job_is_taken_for_dead_only_after_three_missed_heartbeats() -> None:
    config = load_config(environ={})
    assert (config["JOB_HEARTBEAT_SECONDS"], config["JOB_STALE_SECONDS"]) == (20, 120)
    assert load_config(environ={"JOB_HEARTBEAT_SECONDS": "2", "JOB_STALE_SECONDS": "6"})
    with pytest.raises(ConfigurationError, match="JOB_STALE_SECONDS"):
        load_config(environ={"JOB_HEARTBEAT_SECONDS": "50"})
