"""Slowing down password guessing without letting an attacker lock a citizen out.

Counters live in Flask-Limiter's storage (``RATELIMIT_STORAGE_URI``: memory for one process,
Redis for several workers), so every worker sees the same counts.

- Every attempt from a client address counts against ``CITIZEN_LOGIN_ADDRESS_RATE_LIMIT``.
- Failures against one account count against ``CITIZEN_LOGIN_ACCOUNT_FAILURE_LIMIT``; over it,
  the account accepts no password from unknown browsers for a while.
- A browser that logged in to the account before carries a signed "known device" cookie
  (OWASP's device cookies): it is exempt from both counters, so the citizen still gets in while
  someone hammers their account. Its own failures count against
  ``CITIZEN_LOGIN_DEVICE_FAILURE_LIMIT``, so a stolen cookie buys no unlimited guesses.

Account counters are keyed by a hash of the address, also for addresses without an account:
the throttle answers the same either way, and the storage holds no e-mail addresses.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import RateLimitItem, parse
from limits.errors import StorageError
from werkzeug.wrappers import Response

from server.extensions import limiter
from server.logs import get_logger
from server.ratelimits import LOGIN, OTHER, not_counted, storage_failed

log = get_logger("auth")
DEVICE_SALT = "known-device"


@dataclass(frozen=True)
class Throttled:
    scope: str  # "address", "account" or "device"
    retry_after: int  # seconds


def _limit(setting: str) -> RateLimitItem:
    return parse(str(current_app.config[setting]))


def _account_key(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()


def _retry_after(item: RateLimitItem, *identifiers: str) -> int:
    reset = limiter.limiter.get_window_stats(item, *identifiers).reset_time
    return max(1, int(reset - time.time()))


def check_login(email: str, device: str | None) -> Throttled | None:
    """Count this attempt; a ``Throttled`` if it must not be checked at all. With the counters
    unreachable: ``LimitUnavailable`` (logins fail closed, ``RATELIMIT_FAIL_CLOSED``) or, if
    the city chose so, ``None`` uncounted."""
    try:
        return _check_login(email, device)
    except StorageError as error:
        storage_failed(LOGIN, error)
        return None


def _check_login(email: str, device: str | None) -> Throttled | None:
    strategy = limiter.limiter
    if device is not None:
        item = _limit("CITIZEN_LOGIN_DEVICE_FAILURE_LIMIT")
        if not strategy.test(item, "citizen-login-device", device):
            return Throttled("device", _retry_after(item, "citizen-login-device", device))
        return None
    address = request.remote_addr or "unknown"
    item = _limit("CITIZEN_LOGIN_ADDRESS_RATE_LIMIT")
    if not strategy.hit(item, "citizen-login-address", address):
        return Throttled("address", _retry_after(item, "citizen-login-address", address))
    item = _limit("CITIZEN_LOGIN_ACCOUNT_FAILURE_LIMIT")
    key = _account_key(email)
    if not strategy.test(item, "citizen-login-account", key):
        return Throttled("account", _retry_after(item, "citizen-login-account", key))
    return None


def record_failure(email: str, device: str | None) -> None:
    try:
        _record_failure(email, device)
    except StorageError as error:
        not_counted(LOGIN, error)


def _record_failure(email: str, device: str | None) -> None:
    if device is not None:
        limiter.limiter.hit(
            _limit("CITIZEN_LOGIN_DEVICE_FAILURE_LIMIT"), "citizen-login-device", device
        )
    else:
        limiter.limiter.hit(
            _limit("CITIZEN_LOGIN_ACCOUNT_FAILURE_LIMIT"),
            "citizen-login-account",
            _account_key(email),
        )


def may_mail(email: str) -> bool:
    """Whether one more account mail may go to this address now (and count it)."""
    try:
        return limiter.limiter.hit(
            _limit("ACCOUNT_MAIL_PER_ADDRESS_LIMIT"), "account-mail", _account_key(email)
        )
    except StorageError as error:
        storage_failed(OTHER, error)
        return True


# --- the known-device cookie ---------------------------------------------------------------


def _cookie_name() -> str:
    # Over HTTPS a __Host- cookie: only this origin can set it.
    secure = bool(current_app.config["SESSION_COOKIE_SECURE"])
    return "__Host-portal_device" if secure else "portal_device"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.config["SECRET_KEY"]), salt=DEVICE_SALT)


def known_device(citizen_id: int | None) -> str | None:
    """The id of this browser's device cookie if it was issued for ``citizen_id``."""
    raw = request.cookies.get(_cookie_name())
    if not raw or citizen_id is None:
        return None
    max_age = int(current_app.config["KNOWN_DEVICE_DAYS"]) * 86400
    try:
        payload = _serializer().loads(raw, max_age=max_age)
    except BadSignature:  # also SignatureExpired
        return None
    if not isinstance(payload, dict) or payload.get("citizen") != citizen_id:
        return None
    device = payload.get("device")
    return device if isinstance(device, str) else None


def remember_device(response: Response, citizen_id: int) -> None:
    """Mark this browser as known to the account (after a successful password login)."""
    value = _serializer().dumps({"citizen": citizen_id, "device": secrets.token_urlsafe(16)})
    response.set_cookie(
        _cookie_name(),
        value,
        max_age=int(current_app.config["KNOWN_DEVICE_DAYS"]) * 86400,
        path="/",
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
        httponly=True,
        samesite="Lax",
    )
