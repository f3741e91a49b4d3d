from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from server.forms import PortalForm


class CaseAccessForm(PortalForm):
    """Open a case by what the letter prints for typing in by hand."""

    aktenzeichen = StringField(
        _l("Aktenzeichen"),
        validators=[
            InputRequired(_l("Geben Sie das Aktenzeichen von Ihrem Schreiben ein.")),
            Length(max=40),
        ],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    access_code = StringField(
        _l("Zugangscode"),
        validators=[
            InputRequired(_l("Geben Sie den Zugangscode von Ihrem Schreiben ein.")),
            Length(max=40),
        ],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
