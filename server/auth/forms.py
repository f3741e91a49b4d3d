from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from server.forms import PortalForm


class ClerkLoginForm(PortalForm):
    username = StringField(
        _l("Benutzername"),
        validators=[InputRequired(_l("Geben Sie Ihren Benutzernamen ein.")), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Passwort"),
        validators=[InputRequired(_l("Geben Sie Ihr Passwort ein.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class SecondFactorForm(PortalForm):
    code = StringField(
        _l("Sechsstelliger Code"),
        validators=[
            InputRequired(_l("Geben Sie den Code aus Ihrer Authenticator-App ein.")),
            Length(max=16, message=_l("Der Code hat sechs Ziffern.")),
        ],
        render_kw={
            "autocomplete": "one-time-code",
            "inputmode": "numeric",
            "autocapitalize": "none",
            "spellcheck": "false",
        },
    )
