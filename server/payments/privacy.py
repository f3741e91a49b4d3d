"""The privacy notice of paying a notice (Art. 13 DSGVO): shown on the notice lookup, in full at
/zahlungen/datenschutz."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from server.privacy import PrivacyNotice

PRIVACY = PrivacyNotice(
    controller=_l("Stadtkasse"),
    purposes=(
        _l(
            "Wir verarbeiten das Kassenzeichen, den Betrag und Ihre Zahlungsdaten, um Ihren "
            "Bescheid zu finden, Ihre Zahlung anzunehmen und der Forderung zuzuordnen."
        ),
        _l(
            "Wir erstatten zu viel gezahlte Beträge und klären Zahlungen, die wir nicht zuordnen "
            "können."
        ),
    ),
    legal_basis=_l(
        "Art. 6 Abs. 1 lit. c und e DSGVO i. V. m. den Vorschriften der Gemeindeordnung und der "
        "Gemeindehaushaltsverordnung über die Gemeindekasse."
    ),
    retention=_l(
        "Buchungen und Zahlungsbelege bewahren wir nach dem Haushaltsrecht zehn Jahre auf, "
        "gerechnet vom Ende des Jahres der Zahlung."
    ),
    recipients=(
        _l(
            "Der Betreiber der Bezahlplattform und sein Zahlungsdienstleister, wenn Sie online "
            "bezahlen; sie verarbeiten Ihre Zahlungsdaten in unserem Auftrag oder für die "
            "Abwicklung der Zahlung."
        ),
        _l("Ihre Bank und die Bank der Stadt bei einer Überweisung oder Erstattung."),
        _l("Das Amt, das den Bescheid erlassen hat, erfährt, ob und wann bezahlt wurde."),
    ),
    obligation=_l(
        "Kassenzeichen und Betrag brauchen wir, um Ihren Bescheid zu finden. Sie können auch mit "
        "den Angaben auf dem Bescheid überweisen."
    ),
)
