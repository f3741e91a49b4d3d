from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from server.auth.clerks import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, USERNAME_PATTERN
from server.auth.roles import ROLE_LABELS, Role
from server.portal_form import PortalForm


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


class RolesField(SelectMultipleField):
    """The roles as checkboxes; none at all is allowed (the clerk then sees no queue)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label: object = None, **kwargs: object) -> None:
        super().__init__(
            label,
            choices=[SelectChoice(role.value, ROLE_LABELS[role]) for role in Role],
            **kwargs,
        )

    def pre_validate(self, form: object) -> None:
        known = {role.value for role in Role}
        for value in self.data or []:
            if value not in known:
                raise ValueError(self.gettext("Unbekannte Rolle."))


def _new_password(label: object) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            InputRequired(_l("Geben Sie ein Passwort ein.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l(
                    "Das Passwort muss mindestens %(min)d Zeichen lang sein.",
                    min=MIN_PASSWORD_LENGTH,
                ),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class NewClerkForm(PortalForm):
    username = StringField(
        _l("Benutzername"),
        validators=[
            InputRequired(_l("Geben Sie einen Benutzernamen ein.")),
            Length(max=64, message=_l("Der Benutzername hat höchstens 64 Zeichen.")),
            Regexp(
                USERNAME_PATTERN.pattern + r"\Z",
                message=_l(
                    "Der Benutzername besteht aus Kleinbuchstaben a–z, Ziffern, Punkt, "
                    "Binde- oder Unterstrich."
                ),
            ),
        ],
        filters=[lambda value: value.lower() if isinstance(value, str) else value],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )
    display_name = StringField(
        _l("Name"),
        validators=[
            InputRequired(_l("Geben Sie den Namen der Person ein.")),
            Length(max=200, message=_l("Der Name hat höchstens 200 Zeichen.")),
        ],
        render_kw={"autocomplete": "off"},
    )
    password = _new_password(_l("Erstes Passwort"))
    roles = RolesField(_l("Rollen"))


class RolesForm(PortalForm):
    roles = RolesField(_l("Rollen"))


class PasswordResetForm(PortalForm):
    password = _new_password(_l("Neues Passwort"))


class ConfirmForm(PortalForm):
    """A button that changes something: only the CSRF token."""
