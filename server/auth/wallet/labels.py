"""Why a wallet login did not complete, in words for the citizen's page. Many checks share one
sentence: the citizen can act on "try again", "your wallet said no" or "this PID is not
accepted", not on which signature failed (that goes to the log)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from server.auth.wallet.errors import Reason

AGAIN = _l("Die Anmeldung mit der EUDI-Wallet ist abgelaufen oder wurde schon abgeschlossen.")
REFUSED = _l("Die Wallet hat die Anfrage nicht beantwortet: Sie haben die Freigabe abgelehnt.")
NOT_ACCEPTED = _l(
    "Der Identitätsnachweis (PID) aus Ihrer Wallet wird hier nicht angenommen: Er stammt nicht "
    "von einem anerkannten Aussteller, ist abgelaufen oder ist kein Personalausweis-Nachweis."
)
MISSING = _l("Die Wallet hat Namen, Geburtsdatum oder Anschrift nicht übermittelt.")
FAILED = _l("Die Antwort der Wallet konnte nicht geprüft werden. Bitte versuchen Sie es erneut.")

LABELS: dict[str, LazyString] = {
    Reason.UNKNOWN_TRANSACTION: AGAIN,
    Reason.NOT_AVAILABLE: AGAIN,
    Reason.PENDING: AGAIN,
    Reason.RESPONSE_CODE: AGAIN,
    Reason.UNTRUSTED_ISSUER: NOT_ACCEPTED,
    Reason.EXPIRED: NOT_ACCEPTED,
    Reason.CREDENTIAL_TYPE: NOT_ACCEPTED,
    Reason.MISSING_CLAIM: MISSING,
}


def failure_label(reason: str) -> LazyString:
    """The sentence for a stored or raised reason (``wallet:<error>`` is the wallet's no)."""
    if reason.startswith(f"{Reason.WALLET_ERROR}:"):
        return REFUSED
    return LABELS.get(reason, FAILED)
