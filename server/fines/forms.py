from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    MultipleFileField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from server.formatting import city_today
from server.portal_form import PortalForm


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


def _not_in_future(form: PortalForm, field: DateField) -> None:
    if field.data and field.data > city_today():
        raise ValidationError(_l("Das Geburtsdatum liegt in der Zukunft."))
    if field.data and field.data.year < 1900:
        raise ValidationError(_l("Bitte prüfen Sie das Geburtsdatum."))


class StatementForm(PortalForm):
    """The hearing form: what the citizen says, their details, the driver if someone else."""

    submission_id = HiddenField()
    kind = RadioField(
        _l("Was möchten Sie tun?"),
        choices=[
            SelectChoice("admit", _l("Ich räume den Verstoß ein")),
            SelectChoice("contest", _l("Ich bestreite den Verstoß")),
            SelectChoice(
                "nominate", _l("Ich bin nicht gefahren und benenne die Fahrerin oder den Fahrer")
            ),
        ],
        validators=[InputRequired(_l("Wählen Sie, was Sie tun möchten."))],
    )
    text = TextAreaField(_l("Ihre Äußerung"), validators=[Length(max=5000)], render_kw={"rows": 6})
    person_name = StringField(
        _l("Vor- und Nachname"),
        validators=[InputRequired(_l("Geben Sie Ihren Namen an.")), Length(max=140)],
        render_kw={"autocomplete": "name"},
    )
    person_street = StringField(
        _l("Straße und Hausnummer"),
        validators=[InputRequired(_l("Geben Sie Ihre Anschrift an.")), Length(max=140)],
        render_kw={"autocomplete": "street-address"},
    )
    person_postcode_city = StringField(
        _l("Postleitzahl und Ort"),
        validators=[InputRequired(_l("Geben Sie Postleitzahl und Ort an.")), Length(max=140)],
    )
    person_birth_date = DateField(
        _l("Geburtsdatum"),
        validators=[InputRequired(_l("Geben Sie Ihr Geburtsdatum an.")), _not_in_future],
        render_kw={"autocomplete": "bday"},
    )
    driver_name = StringField(
        _l("Name der Fahrerin oder des Fahrers"), validators=[Optional(), Length(max=140)]
    )
    driver_street = StringField(
        _l("Straße und Hausnummer der Fahrerin oder des Fahrers"),
        validators=[Optional(), Length(max=140)],
    )
    driver_postcode_city = StringField(
        _l("Postleitzahl und Ort der Fahrerin oder des Fahrers"),
        validators=[Optional(), Length(max=140)],
    )
    driver_birth_date = DateField(
        _l("Geburtsdatum der Fahrerin oder des Fahrers"), validators=[Optional(), _not_in_future]
    )
    email = StringField(
        _l("E-Mail-Adresse für die Eingangsbestätigung (freiwillig)"),
        validators=[
            Optional(),
            Length(max=254),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Das ist keine E-Mail-Adresse.")),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )
    files = MultipleFileField(
        _l("Fotos oder PDF (freiwillig, höchstens 5)"),
        render_kw={"accept": "image/*,application/pdf"},
    )

    def validate_text(self, field: TextAreaField) -> None:
        if self.kind.data == "contest" and not (field.data or "").strip():
            raise ValidationError(_l("Schreiben Sie, warum Sie den Verstoß bestreiten."))

    def validate(self, extra_validators: Any = None) -> bool:
        valid: bool = super().validate(extra_validators)
        if self.kind.data == "nominate":
            # Optional() ends a field's checks when it is empty, so the driver's details are
            # required here, once the choice is known.
            for name, message in (
                ("driver_name", _l("Geben Sie den Namen der Fahrerin oder des Fahrers an.")),
                ("driver_street", _l("Geben Sie die Anschrift an.")),
                ("driver_postcode_city", _l("Geben Sie Postleitzahl und Ort an.")),
                ("driver_birth_date", _l("Geben Sie das Geburtsdatum an.")),
            ):
                if not self[name].data:
                    self[name].errors = [*self[name].errors, str(message)]
                    valid = False
        return valid


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
