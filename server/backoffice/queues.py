"""The work overview's queues. Each area registers its queue with the role that may work it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from server.auth.models import Clerk
from server.auth.roles import Role


@dataclass(frozen=True)
class Queue:
    key: str
    title: LazyString
    role: Role
    count_open: Callable[[], int]
    endpoint: str | None = None  # where the queue is worked, once its area has landed
    endpoint_values: tuple[tuple[str, str], ...] = ()  # the endpoint's URL values, if any


def _nothing_yet() -> int:
    return 0


# Areas replace these entries with their own queue (counting their open items) as they land.
QUEUES: dict[str, Queue] = {
    queue.key: queue
    for queue in (
        Queue("fines", _l("Anhörungen und Fahrerbenennungen"), Role.FINES, _nothing_yet),
        Queue("certificates", _l("Urkundenbestellungen"), Role.REGISTRY_OFFICE, _nothing_yet),
        Queue("payments", _l("Klärungsfälle der Stadtkasse"), Role.CASH_OFFICE, _nothing_yet),
        Queue("kita", _l("Kita-Anmeldungen"), Role.YOUTH_OFFICE, _nothing_yet),
    )
}


def register_queue(queue: Queue) -> None:
    QUEUES[queue.key] = queue


def queues_for(clerk: Clerk) -> list[tuple[Queue, int]]:
    """The queues this clerk may work, with their number of open items."""
    return [(queue, queue.count_open()) for queue in QUEUES.values() if clerk.has_role(queue.role)]
