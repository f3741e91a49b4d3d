"""Guessing what a letter prints, slowed down without locking out the person who holds it.

A door is a form that opens a record by what a letter prints (the fines office's Aktenzeichen
and access code, a notice's Kassenzeichen and amount). Besides the per-address limit on the
view (Flask-Limiter, behind ``TRUSTED_PROXIES`` the client's address), a door counts:

- **per subject** (one Aktenzeichen, one Kassenzeichen) every attempt: guessing one letter's
  code from many addresses stops there, and only that letter waits; its QR link, which carries
  its own key, is never counted and still opens it.
- **everyone's failures** together: a burst of wrong entries from many addresses means an
  attack or a broken letter batch. It is logged as an error and written to the audit log, once
  per window, for the operators. Whether it also closes the door is the door's choice: the
  fines form stays open (the access code is long enough that per-subject limits suffice), the
  notice lookup, whose amount is easy to guess, closes and points to the QR code and transfer.

Counters live in Flask-Limiter's storage (Redis for several workers). A subject is counted
under a hash: the storage keeps no Aktenzeichen or Kassenzeichen.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from flask import current_app
from limits import RateLimitItem, parse
from limits.errors import StorageError

from server.audit.log import record_now
from server.extensions import limiter
from server.logs import get_logger
from server.ratelimits import CODE, not_counted, storage_failed

log = get_logger("security")


@dataclass(frozen=True)
class Door:
    name: str
    subject_limit_setting: str
    global_limit_setting: str
    closes_when_tripped: bool


def _item(setting: str) -> RateLimitItem:
    return parse(str(current_app.config[setting]))


def _subject_key(subject: str) -> str:
    return hashlib.sha256(subject.encode()).hexdigest()


def _retry_after(item: RateLimitItem, *identifiers: str) -> int:
    reset = limiter.limiter.get_window_stats(item, *identifiers).reset_time
    return max(1, int(reset - time.time()))


def attempt(door: Door, subject: str) -> int | None:
    """Count an attempt at ``subject``; seconds to wait if it must not be tried now. With the
    counters unreachable: ``LimitUnavailable`` (doors fail closed, ``RATELIMIT_FAIL_CLOSED``)
    or, if the city chose so, ``None`` uncounted."""
    try:
        return _attempt(door, subject)
    except StorageError as error:
        storage_failed(CODE, error)
        return None


def _attempt(door: Door, subject: str) -> int | None:
    if door.closes_when_tripped:
        item = _item(door.global_limit_setting)
        if not limiter.limiter.test(item, door.name, "everyone"):
            return _retry_after(item, door.name, "everyone")
    item = _item(door.subject_limit_setting)
    key = _subject_key(subject)
    if not limiter.limiter.hit(item, door.name, "subject", key):
        return _retry_after(item, door.name, "subject", key)
    return None


def failed(door: Door) -> None:
    """A wrong entry: it counts towards everyone's failures; the operators hear of a burst."""
    try:
        _failed(door)
    except StorageError as error:
        not_counted(CODE, error)


def _failed(door: Door) -> None:
    item = _item(door.global_limit_setting)
    limiter.limiter.hit(item, door.name, "everyone")
    if limiter.limiter.test(item, door.name, "everyone"):
        return
    # One alert per window of the limit, however many failures follow.
    once = type(item)(1, item.multiples)
    if limiter.limiter.hit(once, door.name, "alert"):
        log.error(
            "guessing.burst",
            extra={"door": door.name, "limit": str(current_app.config[door.global_limit_setting])},
        )
        record_now(
            "system",
            "security.guessing_burst",
            "door",
            door.name,
            f"more wrong entries than {current_app.config[door.global_limit_setting]}",
        )
