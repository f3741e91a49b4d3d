from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired, Length, ValidationError

from server.payments.iban import IbanError, transfer_iban
from server.payments.money import AmountError, parse_amount
from server.payments.receivables import kassenzeichen_scheme
from server.payments.references import is_valid_kassenzeichen, normalise_kassenzeichen
from server.portal_form import PortalForm


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

    def validate_kassenzeichen(self, field: StringField) -> None:
        # Checked before any lookup: a typo is told as a typo, and a guess costs nothing.
        scheme = kassenzeichen_scheme()
        number = normalise_kassenzeichen(field.data or "")
        if (
            len(number) != scheme.length
            or not number.isascii()
            or not number.isdigit()
            or not number.startswith(scheme.prefix)
        ):
            raise ValidationError(
                _l(
                    "Ein Kassenzeichen hat %(digits)s Ziffern und beginnt mit %(prefix)s. "
                    "Prüfen Sie die Angabe auf Ihrem Bescheid.",
                    digits=scheme.length,
                    prefix=scheme.prefix,
                )
                if scheme.prefix
                else _l(
                    "Ein Kassenzeichen hat %(digits)s Ziffern. Prüfen Sie die Angabe auf Ihrem "
                    "Bescheid.",
                    digits=scheme.length,
                )
            )
        if not is_valid_kassenzeichen(number, scheme):
            raise ValidationError(
                _l(
                    "Dieses Kassenzeichen gibt es nicht: die Prüfziffer am Ende passt nicht. "
                    "Wahrscheinlich ist eine Ziffer vertauscht oder falsch; prüfen Sie jede "
                    "Ziffer auf Ihrem Bescheid."
                )
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


class RefundAccountForm(PortalForm):
    """The account a refund goes to, as the citizen named it to the cash office."""

    kontoinhaber = StringField(
        _l("Kontoinhaberin oder Kontoinhaber"),
        validators=[
            InputRequired(_l("Geben Sie an, wem das Konto gehört.")),
            Length(max=70, message=_l("Höchstens 70 Zeichen: so viel nimmt die Überweisung.")),
        ],
        render_kw={"autocomplete": "off"},
    )
    iban = StringField(
        _l("IBAN"),
        validators=[InputRequired(_l("Geben Sie die IBAN an.")), Length(max=42)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )

    def validate_iban(self, field: StringField) -> None:
        try:
            transfer_iban(field.data or "")
        except IbanError as error:
            raise ValidationError(str(error)) from error
