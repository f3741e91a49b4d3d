from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired, Length, ValidationError

from server.forms import PortalForm
from server.payments.money import AmountError, parse_amount


class PaymentLookupForm(PortalForm):
    """Find a notice by what is printed on it: the Kassenzeichen and the amount."""

    kassenzeichen = StringField(
        _l("Kassenzeichen"),
        validators=[
            InputRequired(_l("Geben Sie das Kassenzeichen von Ihrem Bescheid ein.")),
            Length(max=40),
        ],
        render_kw={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"},
    )
    amount = StringField(
        _l("Betrag in Euro"),
        validators=[
            InputRequired(_l("Geben Sie den Betrag von Ihrem Bescheid ein.")),
            Length(max=20),
        ],
        render_kw={"autocomplete": "off", "inputmode": "decimal"},
    )

    def validate_amount(self, field: StringField) -> None:
        try:
            self.amount_cents = parse_amount(field.data or "")
        except AmountError:
            raise ValidationError(
                _l(
                    "Geben Sie den Betrag in Euro mit höchstens zwei Nachkommastellen ein, "
                    "zum Beispiel 25,00."
                )
            ) from None
