"""The reason codes a bank gives with a returned payment (ISO 20022 ExternalReturnReason1Code):
a returned direct debit (*Rücklastschrift*, ``debit_returns``) or a returned credit transfer of
a refund (``refund_returns``), in the words the Deutsche Kreditwirtschaft uses for them."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

REASONS = {
    "AC01": _l("Kontonummer (IBAN) fehlerhaft"),
    "AC04": _l("Konto erloschen"),
    "AC06": _l("Konto gesperrt"),
    "AG01": _l("Lastschriften auf diesem Konto nicht zugelassen"),
    "AM04": _l("Keine ausreichende Deckung"),
    "AM05": _l("Doppelte Einreichung"),
    "BE04": _l("Anschrift des Zahlungsempfängers fehlt oder ist falsch"),
    "FOCR": _l("Rückgabe nach Rückruf"),
    "MD01": _l("Kein gültiges Mandat"),
    "MD02": _l("Mandatsdaten fehlen oder sind falsch"),
    "MD06": _l("Widerspruch durch Zahlungspflichtigen"),
    "MD07": _l("Zahlungspflichtiger verstorben"),
    "MS02": _l("Vom Zahlungspflichtigen nicht genannter Grund"),
    "MS03": _l("Von der Bank nicht genannter Grund"),
    "RC01": _l("BIC fehlerhaft"),
    "RR01": _l("Regulatorische Gründe"),
    "RR02": _l("Regulatorische Gründe"),
    "RR03": _l("Regulatorische Gründe"),
    "RR04": _l("Regulatorische Gründe"),
    "SL01": _l("Sonderregel der Bank des Zahlungspflichtigen (z. B. Lastschriftsperre)"),
}


def reason_text(code: str | None) -> str:
    """``Konto erloschen (AC04)``; an unknown code as itself, none as "no reason given"."""
    if not code:
        return _("ohne Angabe eines Grundes")
    words = REASONS.get(code.upper())
    return f"{words} ({code})" if words else code


_CODE_IN_TEXT = re.compile(r"\b(" + "|".join(sorted(REASONS)) + r")\b")


def reason_in_text(text: str) -> str | None:
    """A known reason code written in a return's purpose text (MT940: ``SVWZ+... Rueckgabegrund
    MD06``), or None."""
    found = _CODE_IN_TEXT.search(text.upper())
    return found.group(1) if found else None
