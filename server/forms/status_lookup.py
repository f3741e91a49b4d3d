"""The form that opens a submission's status page on any device: Eingangsnummer and Abrufcode,
both from the confirmation (page, mail or receipt)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from server import guessing
from server.portal_form import PortalForm, copied_code_field

STATUS_ACCESS = guessing.Door(
    name="forms-status",
    subject_limit_setting="FORMS_STATUS_SUBMISSION_RATE_LIMIT",
    global_limit_setting="FORMS_STATUS_GLOBAL_RATE_LIMIT",
    # 80 bits of code: per-address and per-number limits bound guessing; a burst of wrong
    # codes must not lock out everyone who holds a confirmation.
    closes_when_tripped=False,
)


class StatusLookupForm(PortalForm):
    reference = copied_code_field(
        _l("Eingangsnummer"), _l("Geben Sie die Eingangsnummer von Ihrer Bestätigung ein.")
    )
    code = copied_code_field(
        _l("Abrufcode"), _l("Geben Sie den Abrufcode von Ihrer Bestätigung ein.")
    )
