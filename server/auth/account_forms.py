"""Forms of citizen accounts. Password rules are checked by ``password_policy`` (they depend on
settings and on the e-mail address), not by field validators."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from server.portal_form import PortalForm

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
# Only a bound against absurd bodies; the real limit is CITIZEN_PASSWORD_MAX_LENGTH.
PASSWORD_FIELD_BOUND = 100_000


def _email_field(label: str | None = None) -> StringField:
    return StringField(
        label or _l("E-Mail-Adresse"),
        validators=[
            InputRequired(_l("Geben Sie Ihre E-Mail-Adresse ein.")),
            Length(max=254, message=_l("Die E-Mail-Adresse ist zu lang.")),
            Regexp(EMAIL_PATTERN, message=_l("Das ist keine E-Mail-Adresse.")),
        ],
        render_kw={
            "autocomplete": "username",
            "inputmode": "email",
            "autocapitalize": "none",
            "spellcheck": "false",
        },
    )


class CitizenLoginForm(PortalForm):
    email = _email_field()
    password = PasswordField(
        _l("Passwort"),
        validators=[
            InputRequired(_l("Geben Sie Ihr Passwort ein.")),
            Length(max=PASSWORD_FIELD_BOUND),
        ],
        render_kw={"autocomplete": "current-password"},
    )


class RegistrationForm(PortalForm):
    email = _email_field()
    password = PasswordField(
        _l("Passwort"),
        validators=[
            InputRequired(_l("Wählen Sie ein Passwort.")),
            Length(max=PASSWORD_FIELD_BOUND),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class EmailForm(PortalForm):
    """Forgot password; send the confirmation link again."""

    email = _email_field()


class NewPasswordForm(PortalForm):
    password = PasswordField(
        _l("Neues Passwort"),
        validators=[
            InputRequired(_l("Wählen Sie ein neues Passwort.")),
            Length(max=PASSWORD_FIELD_BOUND),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class RenewLinkForm(PortalForm):
    token = HiddenField(validators=[InputRequired(), Length(max=128)])
    purpose = HiddenField(validators=[InputRequired(), Length(max=16)])


class PersonalDataForm(PortalForm):
    given_name = StringField(
        _l("Vorname(n)"),
        validators=[
            InputRequired(_l("Geben Sie Ihren Vornamen ein.")),
            Length(max=140, message=_l("Höchstens 140 Zeichen.")),
        ],
        render_kw={"autocomplete": "given-name"},
    )
    family_name = StringField(
        _l("Familienname"),
        validators=[
            InputRequired(_l("Geben Sie Ihren Familiennamen ein.")),
            Length(max=140, message=_l("Höchstens 140 Zeichen.")),
        ],
        render_kw={"autocomplete": "family-name"},
    )
    street = StringField(
        _l("Straße und Hausnummer"),
        validators=[Optional(), Length(max=140, message=_l("Höchstens 140 Zeichen."))],
        render_kw={"autocomplete": "street-address"},
    )
    postal_code = StringField(
        _l("Postleitzahl"),
        validators=[
            Optional(),
            Regexp(r"^\d{5}$", message=_l("Eine Postleitzahl hat fünf Ziffern.")),
        ],
        render_kw={"autocomplete": "postal-code", "inputmode": "numeric"},
    )
    locality = StringField(
        _l("Ort"),
        validators=[Optional(), Length(max=140, message=_l("Höchstens 140 Zeichen."))],
        render_kw={"autocomplete": "address-level2"},
    )

    def validate(self, extra_validators: object = None) -> bool:
        valid: bool = super().validate(extra_validators)
        parts = (self.street, self.postal_code, self.locality)
        if any(field.data for field in parts):
            for field in parts:
                if not field.data and not field.errors:
                    field.errors = [*field.errors, _l("Für eine Anschrift fehlt diese Angabe.")]
                    valid = False
        return valid
