"""One convention for everything the portal looks up by name: a registry that refuses a second,
different entry under a name already taken, and chooses the configured one with a message that
names the known choices.

Backends (payment platforms, file storage, mail transports, identity providers) register a
factory under the name their setting uses; the area's ``init_<area>(app)`` chooses the configured
one once at start and keeps what it built in ``app.extensions``, so an unknown name stops the
start, not the first request. Areas register their handlers (settlement, origin links, account
records, work queues) in registries of the same class.

Registering the same entry again under its name changes nothing: every app built in one process
(tests, the demo's second address) runs the areas' ``init_<area>`` again.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from server.config import ConfigurationError

T = TypeVar("T")


class DuplicateRegistration(ValueError):
    """A second, different entry under a name that is taken: a programming error, found at start."""


class Registry(Generic[T]):
    """Names to entries (factories, classes, handlers), in the order they were registered.

    ``what`` names the registry in messages: the setting for a backend (``"MAIL_BACKEND"``),
    else what the entries are (``"settlement handler for purpose"``)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._entries: dict[str, T] = {}

    def register(self, name: str, entry: T) -> T:
        """Add ``entry`` under ``name``; returns it. Raises ``DuplicateRegistration`` when
        another entry has the name already."""
        if name in self._entries:
            existing = self._entries[name]
            if existing is entry or existing == entry:
                return existing
            raise DuplicateRegistration(
                f"{self.what} {name!r} is registered already ({existing!r}), refusing {entry!r}"
            )
        self._entries[name] = entry
        return entry

    def choose(self, name: str) -> T:
        """The entry configured under ``name``; a ``ConfigurationError`` naming the known
        choices if there is none."""
        try:
            return self._entries[name]
        except KeyError:
            known = ", ".join(sorted(self._entries)) or "none"
            raise ConfigurationError(f"{self.what} {name!r} is unknown; known: {known}") from None

    def get(self, name: str) -> T | None:
        return self._entries.get(name)

    def names(self) -> list[str]:
        return list(self._entries)

    def items(self) -> list[tuple[str, T]]:
        return list(self._entries.items())

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.what!r}, {sorted(self._entries)})"
