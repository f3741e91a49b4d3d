"""What a citizen reads about a notice in their language: its title and the payment methods.

A receivable's ``description`` is an official German record (it goes into exports, statements
and the German PDFs) and is never translated as free text. A page shows the *title* instead:
the area that made the receivable registers how to name it in the reader's language
(``events.register_notice_title("fine", ...)``), built from stable values (the purpose and its
reference). A receivable of a purpose nobody registered (a notice from the city's finance system) is
named by its German description for German readers and generically for everybody else.

Payment methods are configured by name (``PAYMENT_METHODS``, e.g. ``Kreditkarte``); their
display names per language are data here, keyed by that configured name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from server.i18n import current_language
from server.payments import events

if TYPE_CHECKING:
    from server.payments.models import Receivable

# A notice of a purpose nobody names ("Bescheid"), per language.
NOTICE: dict[str, str] = {"en": "Notice"}

# The configured name (German, as the payment platforms call them) -> name per language.
# A name missing here is a brand (Wero, PayPal, Apple Pay) and reads the same everywhere.
METHOD_NAMES: dict[str, dict[str, str]] = {
    "Kreditkarte": {"en": "Credit card"},
    "SEPA-Lastschrift": {"en": "SEPA direct debit"},
    "Lastschrift": {"en": "Direct debit"},
    "Überweisung": {"en": "Bank transfer"},
    "Girokarte": {"en": "Girocard (debit card)"},
    "Sofortüberweisung": {"en": "Instant bank transfer"},
}


def receivable_title(receivable: Receivable) -> str:
    """The notice's title in the reader's language (pages, the account, the page's proof)."""
    return events.notice_title(receivable) or default_title(receivable)


def default_title(receivable: Receivable) -> str:
    """The title of a receivable nobody names: its German description for German readers."""
    language = current_language()
    if language == "de":
        return receivable.description
    return NOTICE.get(language, receivable.description)


def method_name(method: str) -> str:
    """A payment method's display name in the reader's language."""
    return METHOD_NAMES.get(method, {}).get(current_language(), method)


def method_names(methods: Iterable[str]) -> list[str]:
    return [method_name(method) for method in methods]
