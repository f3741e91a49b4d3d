"""Wires the dog tax into the app: its rates read once at start (a wrong table refuses the
start), the registration and the deregistration on the engine, where a returned debit of the
tax is reported."""

from __future__ import annotations

from flask import Flask

from server.config import ConfigurationError
from server.forms.registry import register_definition
from server.hundesteuer import deregistration, tax
from server.hundesteuer.definition import DEFINITION
from server.payments.debit_returns import register_return_recipient


def init_hundesteuer(app: Flask) -> None:
    try:
        app.config[tax.CONFIG_KEY] = tax.load(str(app.config.get("DOG_TAX_RATES_FILE") or ""))
    except ValueError as error:
        raise ConfigurationError(f"DOG_TAX_RATES_FILE: {error}") from error
    register_definition(DEFINITION)
    register_return_recipient(tax.PURPOSE, tax.return_recipient)
    register_definition(deregistration.DEFINITION)
