"""Wires the dog tax into the app: its rates read once at start (a wrong table refuses the
start), the registration and the deregistration on the engine, where a returned debit of the
tax is reported."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from server.config import ConfigurationError
from server.forms.registry import register_definition
from server.hundesteuer import deregistration, tax
from server.hundesteuer.definition import DEFINITION
from server.jobs.catalogue import Job, register_job
from server.payments.debit_returns import register_return_recipient


def init_hundesteuer(app: Flask) -> None:
    try:
        app.config[tax.CONFIG_KEY] = tax.load(str(app.config.get("DOG_TAX_RATES_FILE") or ""))
    except ValueError as error:
        raise ConfigurationError(f"DOG_TAX_RATES_FILE: {error}") from error
    register_definition(DEFINITION)
    register_return_recipient(tax.PURPOSE, tax.return_recipient)
    register_definition(deregistration.DEFINITION)
    register_job(
        Job(
            "dog-tax-year",
            _l("Hundesteuer des neuen Jahres festsetzen"),
            "30 3 * * *",
            _l("täglich; setzt im Januar die Steuer jedes angemeldeten Hundes fest"),
            _assess_new_year,
            counts=(("assessed", _l("festgesetzt")), ("unchanged", _l("nichts zu tun"))),
        )
    )


def _assess_new_year() -> dict[str, int]:
    return tax.assess_new_year()
