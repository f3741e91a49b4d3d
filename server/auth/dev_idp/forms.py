"""The development identity provider's one form: which test person logs in."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from server.auth.dev_idp.persons import TEST_PERSONS
from server.portal_form import PortalForm


class PersonForm(PortalForm):
    person = RadioField(
        _l("Testperson"),
        choices=[SelectChoice(person.key, person.name) for person in TEST_PERSONS],
        validators=[InputRequired(message=_l("Wählen Sie eine Testperson."))],
    )
