"""Attachments drawn when the mail is sent, not when it is queued.

A PDF receipt takes tens of milliseconds to draw; the citizen's request that queues its mail
should not wait for it (issue 17). The area that queues such a mail registers a maker for its
kind once (at start-up) and queues the mail with ``later(kind, key)``; the outbox's sender calls
the maker when it takes the mail and keeps the bytes with it, so that every attempt sends the
same file. Only documents that never change after the fact they confirm are drawn this way (a
receipt of what was received); a maker runs in the sender's app context.
"""

from __future__ import annotations

from collections.abc import Callable

#: Draws the attachment of one record (by its id).
Maker = Callable[[int], bytes]

_makers: dict[str, Maker] = {}


class AttachmentUnavailable(Exception):
    """The maker could not draw the attachment (its record gone, or the maker failed)."""


def register_attachment_maker(kind: str, maker: Maker) -> None:
    _makers[kind] = maker


def later(kind: str, key: int) -> str:
    """What a queued mail keeps to have its attachment drawn when it is sent."""
    if kind not in _makers:
        raise KeyError(f"no attachment maker registered for {kind!r}")
    return f"{kind}:{key}"


def make(source: str) -> bytes:
    kind, _, key = source.partition(":")
    maker = _makers.get(kind)
    if maker is None or not key.isdigit():
        raise AttachmentUnavailable(f"no attachment maker for {source!r}")
    try:
        return maker(int(key))
    except Exception as error:  # any failure is the attempt's: the mail is tried again
        raise AttachmentUnavailable(f"{source}: {error}") from error
