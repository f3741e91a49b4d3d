"""The privacy notice of a service (*Datenschutzhinweise nach Art. 13 DSGVO*), as data.

Every place that collects personal data declares one ``PrivacyNotice``: the form definitions
(the engine requires it), the fines hearing and the payment of a notice. From it the portal shows
a short notice (who, why, on which legal basis) before the first personal question, a full
notice page per service, and a short block at the end of the receipt PDF. What the data subject
may do (Art. 15 to 21 and 77 DSGVO) is the same everywhere: ``RIGHTS``, with the general privacy
page at ``GENERAL_PAGE`` (which also names the data protection officer and the supervisory
authority).

Bottom layer: no views, no areas; the fields are lazy strings, so a notice is declared once at
import time and read in the language of each request (PDF receipts force German).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask.typing import ResponseReturnValue
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from server.rendering import render_page

Text = LazyString | str

# The general privacy page of the portal (controller's contact, data protection officer,
# supervisory authority); linked by path from every notice.
GENERAL_PAGE = "/datenschutz"

RIGHTS = _l(
    "Sie haben das Recht auf Auskunft über Ihre Daten (Art. 15 DSGVO), auf Berichtigung "
    "(Art. 16 DSGVO), auf Löschung (Art. 17 DSGVO), auf Einschränkung der Verarbeitung "
    "(Art. 18 DSGVO) und auf Widerspruch gegen die Verarbeitung (Art. 21 DSGVO). Eine "
    "Einwilligung können Sie jederzeit für die Zukunft widerrufen. Sie können sich außerdem bei "
    "der Aufsichtsbehörde für den Datenschutz beschweren (Art. 77 DSGVO)."
)


@dataclass(frozen=True, kw_only=True)
class PrivacyNotice:
    """What Art. 13 DSGVO requires the city to say where it collects data. ``controller`` is the
    office responsible (the city's name is put in front: "Stadt Musterstadt, Jugendamt");
    ``purposes`` start with the main one, which the short notice shows; ``recipients`` name
    who receives the data (at least one line, "Keine" is an answer too); ``obligation`` says
    whether the data must be given and what happens without it (Art. 13 Abs. 2 lit. e)."""

    controller: Text
    purposes: tuple[Text, ...]
    legal_basis: Text
    retention: Text
    recipients: tuple[Text, ...]
    obligation: Text = ""

    def __post_init__(self) -> None:
        if not str(self.controller).strip() or not str(self.legal_basis).strip():
            raise ValueError("a privacy notice names its controller and legal basis")
        if not self.purposes or not self.recipients or not str(self.retention).strip():
            raise ValueError("a privacy notice names purposes, recipients and retention")

    @property
    def purpose(self) -> Text:
        """The main purpose: the one sentence of the short notice."""
        return self.purposes[0]

    def controller_name(self) -> str:
        """The controller with the city: "Stadt Musterstadt, Jugendamt"."""
        return f"Stadt {current_app.config['PORTAL_CITY_NAME']}, {self.controller}"

    def receipt_facts(self, more_url: str) -> tuple[tuple[str, str], ...]:
        """The short block of a receipt PDF (label, text), in the current locale (receipts
        force German); ``more_url`` is the absolute address of the full notice."""
        return (
            (str(_l("Verantwortlich")), self.controller_name()),
            (str(_l("Zweck")), str(self.purpose)),
            (str(_l("Rechtsgrundlage")), str(self.legal_basis)),
            (str(_l("Mehr dazu")), more_url),
            (
                str(_l("Ihre Rechte")),
                str(
                    _l(
                        "Auskunft, Berichtigung, Löschung, Einschränkung, Widerspruch und "
                        "Beschwerde bei der Aufsichtsbehörde: %(url)s",
                        url=general_page_url(),
                    )
                ),
            ),
        )


def general_page_url() -> str:
    """The absolute address of the general privacy page (for PDFs)."""
    return str(current_app.config["PORTAL_BASE_URL"]).rstrip("/") + GENERAL_PAGE


def notice_page(
    notice: PrivacyNotice, service_title: Text, back_url: str, back_label: Text
) -> ResponseReturnValue:
    """The full notice of one service, the same page for every area."""
    return render_page(
        "views/privacy/notice.html",
        notice=notice,
        service_title=service_title,
        back_url=back_url,
        back_label=back_label,
        rights=RIGHTS,
        general_page=GENERAL_PAGE,
    )
