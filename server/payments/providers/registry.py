"""The configured payment provider, built once per app from its settings."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

from server.config import ConfigurationError
from server.payments.providers.base import PaymentProvider

ProviderFactory = Callable[[Flask], PaymentProvider]

_factories: dict[str, ProviderFactory] = {}


def register_provider(name: str, factory: ProviderFactory) -> None:
    _factories[name] = factory


def init_provider(app: Flask) -> None:
    name = app.config["PAYMENT_PROVIDER"]
    if name not in _factories:
        raise ConfigurationError(
            f"PAYMENT_PROVIDER {name!r} is unknown; known: {', '.join(sorted(_factories))}"
        )
    app.extensions["payment_provider"] = _factories[name](app)


def current_provider() -> PaymentProvider:
    provider = current_app.extensions["payment_provider"]
    assert isinstance(provider, PaymentProvider)
    return provider
