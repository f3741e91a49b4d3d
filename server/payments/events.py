"""How other areas learn that their receivable is settled, without payments importing them.

An area registers a handler for its purpose (``register_settlement_handler("fine", ...)``); the
journal calls it in the transaction that books the last missing cent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from server.backends import Registry

if TYPE_CHECKING:
    from server.payments.models import Receivable


class Settled:
    """Receivables settled together, in one transaction: their ids with their purposes, in the
    order they settled, and their ORM objects on request. A bank statement settles tens of
    thousands of receivables whose handlers need only a few of them as objects; reading all of
    them as objects would cost seconds."""

    def __init__(
        self,
        purposes: Mapping[int, str],
        load: Callable[[Sequence[int]], Iterable[Receivable]],
    ) -> None:
        self.purposes = purposes
        self._load = load
        self._loaded: dict[int, Receivable] = {}

    @property
    def ids(self) -> list[int]:
        return list(self.purposes)

    def receivables(self, ids: Iterable[int]) -> list[Receivable]:
        """The receivables of these ids (settled ones), in the order given."""
        wanted = list(ids)
        missing = [receivable_id for receivable_id in wanted if receivable_id not in self._loaded]
        if missing:
            for receivable in self._load(missing):
                self._loaded[receivable.id] = receivable
        return [self._loaded[receivable_id] for receivable_id in wanted]


SettlementHandler = Callable[["Receivable"], None]
# A handler for every purpose gets the receivables settled together (a bank statement settles
# thousands in one transaction), so that it can ask the database once for all of them.
BatchSettlementHandler = Callable[[Settled], None]

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
    by_id = {receivable.id: receivable for receivable in receivables}
    settled_together(
        {receivable.id: receivable.purpose for receivable in receivables},
        lambda ids: [by_id[receivable_id] for receivable_id in ids],
    )


def settled_together(
    purposes: Mapping[int, str], load: Callable[[Sequence[int]], Iterable[Receivable]]
) -> None:
    """``receivables_settled`` for receivables known by id and purpose (``Settled``): only
    those whose purpose has its own handler, and those a handler for every purpose asks for,
    are loaded as objects."""
    if not purposes:
        return
    settled = Settled(purposes, load)
    own = [receivable_id for receivable_id, purpose in purposes.items() if _handlers.get(purpose)]
    for receivable in settled.receivables(own):
        handler = _handlers.get(receivable.purpose)
        if handler:
            handler(receivable)
    for every in _for_every_purpose:
        every(settled)


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
