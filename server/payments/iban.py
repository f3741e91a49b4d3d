"""IBANs a person types (a mandate's account, the account a refund goes to): valid by schwifty
(check digits, the country's format, a known bank for German IBANs) and within the SEPA scheme,
the only place direct debits come from and credit transfers go to."""

from __future__ import annotations

from flask_babel import gettext as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

# The SEPA scheme's countries (EU, EEA, CH, GB and a few more), by IBAN country code.
SEPA_COUNTRIES = frozenset(
    [
        "AD",
        "AT",
        "BE",
        "BG",
        "CH",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GB",
        "GI",
        "GR",
        "HR",
        "HU",
        "IE",
        "IS",
        "IT",
        "LI",
        "LT",
        "LU",
        "LV",
        "MC",
        "MT",
        "NL",
        "NO",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
        "SM",
        "VA",
    ]
)


class IbanError(ValueError):
    """Why a typed IBAN cannot be used, for the person who typed it."""


def _sepa_iban(typed: str, outside_sepa: str) -> str:
    """The IBAN in its electronic form (no spaces, capitals); ``IbanError`` with the reason."""
    try:
        iban = IBAN(typed.strip())
    except SchwiftyException as error:
        raise IbanError(_("Diese IBAN ist nicht gültig. Bitte prüfen Sie sie.")) from error
    if iban.country_code not in SEPA_COUNTRIES:
        raise IbanError(outside_sepa)
    return str(iban.compact)


def transfer_iban(typed: str) -> str:
    """The IBAN a credit transfer can go to."""
    return _sepa_iban(typed, _("Überweisungen gehen nur auf Konten im SEPA-Raum."))


def debit_iban(typed: str) -> str:
    """The IBAN a direct debit can be drawn from."""
    return _sepa_iban(typed, _("Lastschriften gibt es nur von Konten im SEPA-Raum."))
