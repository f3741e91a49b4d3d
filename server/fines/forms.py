from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    RadioField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from server.portal_form import PortalForm, copied_code_field


class CaseAccessForm(PortalForm):
    """Open a case by what the letter prints for typing in by hand."""

    aktenzeichen = copied_code_field(
        _l("Aktenzeichen"), _l("Geben Sie das Aktenzeichen von Ihrem Schreiben ein.")
    )
    access_code = copied_code_field(
        _l("Zugangscode"), _l("Geben Sie den Zugangscode von Ihrem Schreiben ein.")
    )


class DecisionForm(PortalForm):
    decision = RadioField(
        _l("Entscheidung"),
        choices=[
            SelectChoice("discontinue", _l("Verfahren einstellen")),
            SelectChoice("continue", _l("Weiter zum Bußgeldbescheid")),
            SelectChoice("forward", _l("Verfahren gegen die benannte Person einleiten")),
        ],
        validators=[InputRequired(_l("Wählen Sie eine Entscheidung."))],
    )
    note = StringField(_l("Vermerk"), validators=[Optional(), Length(max=500)])
