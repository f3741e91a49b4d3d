"""The booking's forms. The choices of the first steps travel in the address (GET forms, no
CSRF token needed for what changes nothing), so that going back, reloading and a slot taken
meanwhile lose nothing; only the last step, the booking itself, is a POST."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from server.portal_form import PortalForm

MAX_PERSONS = 4
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class ServicesForm(PortalForm):
    """Step 1: what for, for how many persons (choices: the services, set by the view)."""

    class Meta:
        csrf = False

    dienst = SelectMultipleField(
        _l("Ihre Anliegen"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[InputRequired(_l("Wählen Sie mindestens ein Anliegen."))],
    )
    personen = RadioField(
        _l("Für wie viele Personen?"),
        choices=[SelectChoice("1", _l("1 Person"))]
        + [SelectChoice(str(n), _l("%(n)s Personen", n=n)) for n in range(2, MAX_PERSONS + 1)],
        default="1",
        validators=[InputRequired(_l("Wählen Sie, für wie viele Personen der Termin ist."))],
    )


class DetailsForm(PortalForm):
    """The last step: who is coming, where the confirmation goes."""

    name = StringField(
        _l("Ihr Name"),
        validators=[InputRequired(_l("Geben Sie Ihren Namen ein.")), Length(max=140)],
        render_kw={"autocomplete": "name"},
    )
    email = StringField(
        _l("Ihre E-Mail-Adresse"),
        validators=[
            InputRequired(_l("Geben Sie Ihre E-Mail-Adresse ein.")),
            Length(max=254, message=_l("Die E-Mail-Adresse ist zu lang.")),
            Regexp(EMAIL_PATTERN, message=_l("Das ist keine E-Mail-Adresse.")),
        ],
        render_kw={
            "autocomplete": "email",
            "inputmode": "email",
            "autocapitalize": "none",
            "spellcheck": "false",
        },
    )
