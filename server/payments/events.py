"""How other areas learn that their receivable is settled, without payments importing them.

An area registers a handler for its purpose (``register_settlement_handler("fine", ...)``); the
journal calls it in the transaction that books the last missing cent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from server.backends import Registry

if TYPE_CHECKING:
    from server.payments.models import Receivable

SettlementHandler = Callable[["Receivable"], None]
# A handler for every purpose gets the receivables settled together (a bank statement settles
# thousands in one transaction), so that it can ask the database once for all of them.
BatchSettlementHandler = Callable[["Sequence[Receivable]"], None]

# One handler per purpose: a second, different one for a purpose is refused at start.
_handlers: Registry[SettlementHandler] = Registry("settlement handler for purpose")
_for_every_purpose: list[BatchSettlementHandler] = []


def register_settlement_handler(purpose: str, handler: SettlementHandler) -> None:
    _handlers.register(purpose, handler)


def register_any_settlement_handler(handler: BatchSettlementHandler) -> None:
    """For the payments area itself (the proof of payment): called for every purpose, after the
    purpose's own handlers, with every receivable settled together."""
    if handler not in _for_every_purpose:
        _for_every_purpose.append(handler)


def receivable_settled(receivable: Receivable) -> None:
    receivables_settled([receivable])


def receivables_settled(receivables: Sequence[Receivable]) -> None:
    """Each receivable's own handler, in order; then the handlers for every purpose, once with
    all of them (each receivable's own handler has run before)."""
    if not receivables:
        return
    for receivable in receivables:
        own = _handlers.get(receivable.purpose)
        if own:
            own(receivable)
    for handler in _for_every_purpose:
        handler(receivables)


OriginLink = Callable[["Receivable"], "tuple[str, str] | None"]
_origins: Registry[OriginLink] = Registry("origin link for purpose")


def register_origin_link(purpose: str, link: OriginLink) -> None:
    """How the receipt page links back to what was paid for (label, URL)."""
    _origins.register(purpose, link)


def origin_link(receivable: Receivable) -> tuple[str, str] | None:
    link = _origins.get(receivable.purpose)
    return link(receivable) if link else None


NoticeTitle = Callable[["Receivable"], "str | None"]
_titles: Registry[NoticeTitle] = Registry("notice title for purpose")


def register_notice_title(purpose: str, title: NoticeTitle) -> None:
    """How a page names the receivables of ``purpose`` in the reader's language, from stable
    values (its reference), never by translating the stored German description; ``None`` where
    it cannot (``payments.display.receivable_title`` then names it)."""
    _titles.register(purpose, title)


def notice_title(receivable: Receivable) -> str | None:
    title = _titles.get(receivable.purpose)
    return title(receivable) if title else None
