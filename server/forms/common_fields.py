"""Questions many services ask alike (the applicant's name, date of birth, e-mail address), so
that each is worded, limited and prefilled the same way everywhere."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from server.forms.engine import DateRule, Field, FieldKind


def applicant_name() -> tuple[Field, Field]:
    """First and last name, prefilled from the account or the eID."""
    return (
        Field(
            "vorname",
            FieldKind.TEXT,
            _l("Vorname"),
            required_message=_l("Geben Sie Ihren Vornamen an."),
            max_length=100,
            prefill="given_name",
            autocomplete="given-name",
        ),
        Field(
            "nachname",
            FieldKind.TEXT,
            _l("Nachname"),
            required_message=_l("Geben Sie Ihren Nachnamen an."),
            max_length=100,
            prefill="family_name",
            autocomplete="family-name",
        ),
    )


def applicant_birth_date() -> Field:
    return Field(
        "geburtsdatum",
        FieldKind.DATE,
        _l("Geburtsdatum"),
        required_message=_l("Geben Sie Ihr Geburtsdatum an."),
        date_rule=DateRule.PAST,
        prefill="birthdate",
        autocomplete="bday",
    )


def contact_email(hint: LazyString | str | None = None) -> Field:
    """The address the confirmation and every status mail go to (``email_field="email"``)."""
    return Field(
        "email",
        FieldKind.EMAIL,
        _l("E-Mail-Adresse"),
        hint=hint,
        required_message=_l("Geben Sie Ihre E-Mail-Adresse an."),
        max_length=254,
        prefill="email",
        autocomplete="email",
    )


def full_name() -> Field:
    """The applicant's full name in one answer (``name``), prefilled from the account or eID."""
    return Field(
        "name",
        FieldKind.TEXT,
        _l("Ihr Name"),
        required_message=_l("Geben Sie Ihren Namen an."),
        max_length=140,
        prefill="full_name",
        autocomplete="name",
    )


def street_address(hint: LazyString | str | None = None) -> Field:
    """Street and house number in the city (``strasse``), the way the city's street ranges read
    them (parking zones, pickup districts)."""
    return Field(
        "strasse",
        FieldKind.TEXT,
        _l("Straße und Hausnummer"),
        hint=hint,
        required_message=_l("Geben Sie Straße und Hausnummer an."),
        max_length=120,
        prefill="street",
        autocomplete="street-address",
    )
