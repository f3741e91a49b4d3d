"""The configured payment provider, built once per app from its settings."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

from server.backends import Registry
from server.payments.providers.base import PaymentProvider

ProviderFactory = Callable[[Flask], PaymentProvider]

PROVIDERS: Registry[ProviderFactory] = Registry("PAYMENT_PROVIDER")


def register_provider(name: str, factory: ProviderFactory) -> None:
    PROVIDERS.register(name, factory)


def init_provider(app: Flask) -> None:
    """Build the configured provider; an unknown ``PAYMENT_PROVIDER`` stops the start."""
    factory = PROVIDERS.choose(app.config["PAYMENT_PROVIDER"])
    app.extensions["payment_provider"] = factory(app)


def current_provider() -> PaymentProvider:
    provider = current_app.extensions["payment_provider"]
    assert isinstance(provider, PaymentProvider)
    return provider
