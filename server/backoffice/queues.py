"""The work overview's queues. Each area registers its queue with the role that may work it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from server.auth.models import Clerk
from server.auth.roles import Role
from server.backends import Registry


@dataclass(frozen=True)
class Queue:
    """A queue is the same queue when its key, title, role and endpoint are: the counting
    function is left out of the comparison (an area may build it anew, e.g. a ``partial``)."""

    key: str
    title: LazyString | str
    role: Role
    count_open: Callable[[], int] = field(compare=False)
    endpoint: str | None = None  # where the queue is worked, once its area has landed
    endpoint_values: tuple[tuple[str, str], ...] = ()  # the endpoint's URL values, if any


def _nothing_yet() -> int:
    return 0


# Shown until their area registers its own queue (counting its open items); the order is the
# overview's.
_PLACEHOLDERS: dict[str, Queue] = {
    queue.key: queue
    for queue in (
        Queue("fines", _l("Anhörungen und Fahrerbenennungen"), Role.FINES, _nothing_yet),
        Queue("certificates", _l("Urkundenbestellungen"), Role.REGISTRY_OFFICE, _nothing_yet),
        Queue("payments", _l("Klärungsfälle der Stadtkasse"), Role.CASH_OFFICE, _nothing_yet),
        Queue("kita", _l("Kita-Anmeldungen"), Role.YOUTH_OFFICE, _nothing_yet),
    )
}
QUEUES: Registry[Queue] = Registry("work queue")


def register_queue(queue: Queue) -> None:
    QUEUES.register(queue.key, queue)


def all_queues() -> list[Queue]:
    """The placeholders, each replaced by its area's queue, then the further registered ones."""
    shown = dict(_PLACEHOLDERS)
    shown.update(QUEUES.items())
    return list(shown.values())


def queues_for(clerk: Clerk) -> list[tuple[Queue, int]]:
    """The queues this clerk may work, with their number of open items."""
    return [(queue, queue.count_open()) for queue in all_queues() if clerk.has_role(queue.role)]
