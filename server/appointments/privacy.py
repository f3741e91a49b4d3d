"""The privacy notice of booking an appointment (Art. 13 DSGVO): shown before the name and
e-mail are asked, in full at /termine/datenschutz, and linked from the catalogue's service page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from server.privacy import PrivacyNotice

PRIVACY = PrivacyNotice(
    controller=_l("Bürgerbüro"),
    purposes=(
        _l(
            "Wir verarbeiten Ihren Namen und Ihre E-Mail-Adresse, um Ihnen einen Termin zu "
            "geben, ihn bestätigen, verschieben und absagen zu lassen und Sie daran zu erinnern."
        ),
        _l(
            "Wir begrenzen offene Termine je E-Mail-Adresse und Konto und Buchungen je "
            "Internetadresse, und Ihr Browser löst vor der Anzeige freier Zeiten eine kleine "
            "Rechenaufgabe, damit Programme keine Termine horten."
        ),
        _l(
            "Wir zählen Buchungen, Absagen und Wartezeiten je Anliegen und Standort, ohne Bezug "
            "zu Ihrer Person, um genug Termine anzubieten."
        ),
    ),
    legal_basis=_l(
        "Art. 6 Abs. 1 lit. e DSGVO i. V. m. dem Datenschutzgesetz des Landes: die Vergabe von "
        "Terminen dient der Erledigung Ihres Anliegens bei der Stadt."
    ),
    retention=_l(
        "Wir löschen Ihren Namen und Ihre E-Mail-Adresse sechs Monate nach dem Termin, nicht "
        "bestätigte Termine schon nach einem Monat."
    ),
    recipients=(
        _l("Die Beschäftigten des Bürgerbüros am Standort Ihres Termins."),
        _l(
            "Sonst niemand: die Rechenaufgabe (ALTCHA) prüfen unsere eigenen Server, ohne "
            "Cookies und ohne Dienste anderer Anbieter."
        ),
    ),
    obligation=_l(
        "Name und E-Mail-Adresse brauchen wir, um den Termin zu vergeben und Ihnen den Link zum "
        "Bestätigen, Verschieben und Absagen zu schicken. Ohne sie vereinbaren Sie Ihren Termin "
        "vor Ort im Bürgerbüro."
    ),
)
