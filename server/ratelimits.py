"""What a rate limit does while its counters cannot be reached (Redis down).

Every limit belongs to a group, named where the limit is declared:

- ``login``: password logins of clerks and citizens and the clerks' second-factor codes;
- ``code``: the doors that open a record by what a letter prints (the fine's access code, the
  notice lookup, an application's status) and their per-address limits;
- ``other``: everything else (account mails, appointment bookings, wallet logins, whose
  answers are signed and cannot be guessed).

``RATELIMIT_FAIL_CLOSED`` names the groups that refuse their requests while the storage is
unreachable (default ``login,code``): a guessing limit must not silently fall open, so the
citizen gets a 503 "try again in a moment" with ``Retry-After`` instead. The other groups let
requests through uncounted. Either way the failure is logged (``ratelimit.storage_unreachable``)
and ``/readyz`` reports the storage as failed. Nothing here keeps state: the next request asks
the storage again, so the limits heal by themselves when Redis is back.

Flask-Limiter's own ``in_memory_fallback`` is not used: it would count in each process's memory,
so a guesser would get the limit once per worker and server, and the per-subject counters of
``server.guessing`` would not be shared at all. ``swallow_errors`` is not used either: it opens
every limit, the guessing ones too. Storage errors reach us as ``limits.errors.StorageError``
(``wrap_exceptions``, set in ``server.config``), whatever the storage.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, Response, current_app, g
from flask.globals import request_ctx
from limits.errors import StorageError

from server.config import RATE_LIMIT_GROUPS
from server.extensions import limiter
from server.logs import get_logger
from server.portal_flask import own

log = get_logger("security")

LOGIN, CODE, OTHER = RATE_LIMIT_GROUPS
GROUPS = RATE_LIMIT_GROUPS
# What a refused request is told to wait: Redis restarts within seconds, a failover within a
# minute; a shorter wait only makes the citizen try again into the same outage.
RETRY_AFTER_SECONDS = 30

View = TypeVar("View", bound=Callable[..., Any])

_ENTERED = "_ratelimit_view_entered"


class LimitUnavailable(Exception):
    """A limit of a group that fails closed could not count this request: refused for now
    (``server.web.errors`` answers 503 with ``Retry-After``)."""

    def __init__(self, group: str) -> None:
        super().__init__(f"rate-limit storage unreachable, {group} limits fail closed")
        self.group = group
        self.retry_after = RETRY_AFTER_SECONDS


def fails_closed(group: str) -> bool:
    return group in current_app.config["RATELIMIT_FAIL_CLOSED"]


def storage_failed(group: str, error: BaseException) -> None:
    """The storage could not count for a limit of ``group``: raises ``LimitUnavailable`` if the
    group fails closed, else logs and returns (the caller goes on uncounted)."""
    closed = fails_closed(group)
    log.warning(
        "ratelimit.storage_unreachable",
        extra={
            "group": group,
            "outcome": "refused" if closed else "let through",
            "error": str(error),
        },
    )
    if closed:
        raise LimitUnavailable(group) from error


def not_counted(group: str, error: BaseException) -> None:
    """A count after the decision (a failed attempt) was lost: logged, never refused, since
    the answer is given already; the next attempt's check meets the outage itself."""
    log.warning(
        "ratelimit.storage_unreachable",
        extra={"group": group, "outcome": "not counted", "error": str(error)},
    )


def _guarded(
    group: str, declare: Callable[[Callable[..., Any]], Callable[..., Any]]
) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @wraps(view)
        def entered(*args: Any, **kwargs: Any) -> Any:
            # The limit was counted: a storage error from here on is the view's own.
            setattr(g, _ENTERED, True)
            return view(*args, **kwargs)

        counted = declare(entered)

        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            setattr(g, _ENTERED, False)
            try:
                return counted(*args, **kwargs)
            except StorageError as error:
                if getattr(g, _ENTERED, False):
                    raise
                storage_failed(group, error)
                return view(*args, **kwargs)  # this group fails open: uncounted

        return guarded  # type: ignore[return-value]

    return decorate


def limit(group: str, value: Callable[[], str], **options: Any) -> Callable[[View], View]:
    """``limiter.limit`` for a view (one limit per view), with the group's behaviour while the
    storage is unreachable."""
    if group not in GROUPS:
        raise ValueError(f"unknown rate-limit group {group!r}")
    return _guarded(group, limiter.limit(value, **options))


def shared_limit(
    group: str, value: Callable[[], str], scope: str, **options: Any
) -> Callable[[View], View]:
    """``limiter.shared_limit`` (one counter for several views), as ``limit``."""
    if group not in GROUPS:
        raise ValueError(f"unknown rate-limit group {group!r}")
    shared = limiter.shared_limit(value, scope=scope, **options)
    return _guarded(group, shared)


def check_only_limited_views(app: Flask) -> None:
    """Leave out Flask-Limiter's check before every request while no limit needs it.

    That check serves the application-wide, default, blueprint and meta limits; a limit on a
    view (all the portal has: ``limit``, ``shared_limit``) is checked by its decorator when the
    view is called, whether the check before the request ran or not. With none of the former it
    only looks the limits up to find none, a tenth of the start page's time (issue 17). Called
    once every blueprint is registered; declaring one of the others keeps the check.
    """
    manager = limiter.limit_manager
    blueprint_limits = getattr(manager, "_blueprint_limits", None)
    meta_limits = getattr(limiter, "_meta_limits", None)
    if (
        manager.application_limits
        or manager.default_limits
        or blueprint_limits is None
        or any(blueprint_limits.values())
        or meta_limits is None
        or meta_limits
    ):
        return
    checks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in checks:
        checks.remove(limiter._check_request_limit)
    _limiter_hooks_only_when_limited(app)


# Where Flask-Limiter keeps what this request's limits found (``Limiter.context``), made on the
# request's context when a limit is first checked.
_LIMITER_CONTEXT = "_limiter_request_context"


def _limiter_hooks_only_when_limited(app: Flask) -> None:
    """Flask-Limiter's hooks after the view (the rate-limit headers, the deductions of limits
    counted by the response) and at the request's end (forgetting the limits) read what the
    request's limits left in its context; without the view checks no limit, so there is
    nothing to read, and making the empty context to read was 5 % of the start page's
    instructions (issue 17). Each hook runs as before for a request a limit looked at."""
    after = app.after_request_funcs.get(None, [])
    for index, hook in enumerate(after):
        if getattr(hook, "args", ())[:1] == (limiter,):  # partial(Limiter.__inject_headers, …)
            after[index] = _after_when_limited(hook)
    teardown = app.teardown_request_funcs.get(None, [])
    for index, hook in enumerate(teardown):
        if getattr(hook, "__self__", None) is limiter:
            teardown[index] = _teardown_when_limited(hook)


def _limited() -> bool:
    return hasattr(own(request_ctx), _LIMITER_CONTEXT)


def _after_when_limited(hook: Callable[..., Any]) -> Callable[[Response], Response]:
    def after_when_limited(response: Response) -> Response:
        return cast(Response, hook(response)) if _limited() else response

    return after_when_limited


def _teardown_when_limited(hook: Callable[..., Any]) -> Callable[[BaseException | None], None]:
    def teardown_when_limited(error: BaseException | None = None) -> None:
        if _limited():
            hook(error)

    return teardown_when_limited
