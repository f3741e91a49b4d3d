"""The form that opens a submission's status page on any device: Eingangsnummer and Abrufcode,
both from the confirmation (page, mail or receipt)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from server import guessing
from server.portal_form import PortalForm

STATUS_ACCESS = guessing.Door(
    name="forms-status",
    subject_limit_setting="FORMS_STATUS_SUBMISSION_RATE_LIMIT",
    global_limit_setting="FORMS_STATUS_GLOBAL_RATE_LIMIT",
    # 80 bits of code: per-address and per-number limits bound guessing; a burst of wrong
    # codes must not lock out everyone who holds a confirmation.
    closes_when_tripped=False,
)


class StatusLookupForm(PortalForm):
    reference = StringField(
        _l("Eingangsnummer"),
        validators=[
            InputRequired(_l("Geben Sie die Eingangsnummer von Ihrer Bestätigung ein.")),
            Length(max=40),
        ],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    code = StringField(
        _l("Abrufcode"),
        validators=[
            InputRequired(_l("Geben Sie den Abrufcode von Ihrer Bestätigung ein.")),
            Length(max=40),
        ],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
