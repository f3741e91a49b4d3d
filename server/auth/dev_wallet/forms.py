"""The development wallet's one form: share which test person's PID in which format, or not."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from server.auth.dev_idp.persons import TEST_PERSONS
from server.auth.dev_wallet.labels import FORMAT_LABELS
from server.auth.wallet.dcql import SD_JWT_VC
from server.portal_form import PortalForm


class ConsentForm(PortalForm):
    # The signed request object as fetched: checked again when the form comes back, because
    # the request URI hands it out only once.
    request_object = HiddenField()
    person = RadioField(
        _l("Testperson"),
        choices=[SelectChoice(person.key, person.name) for person in TEST_PERSONS],
        validators=[InputRequired(message=_l("Wählen Sie eine Testperson."))],
    )
    credential_format = RadioField(
        _l("Format des Nachweises"),
        default=SD_JWT_VC,
        validators=[InputRequired(message=_l("Wählen Sie ein Format."))],
    )

    def offer_formats(self, formats: list[str], *, preselect: bool) -> None:
        """The formats the request can be answered in; ``preselect`` the first on a new page."""
        self.credential_format.choices = [
            SelectChoice(format_, FORMAT_LABELS[format_]) for format_ in formats
        ]
        if preselect and self.credential_format.data not in formats:
            self.credential_format.data = formats[0]
