"""A clerk between password and second factor: who, since when, where to go afterwards.

Kept small in the session (``clerk_pending``) and only for a few minutes
(``CLERK_PENDING_LOGIN_MINUTES``); it grants nothing. ``start_clerk_session`` replaces it once
the second factor succeeded.
"""

from __future__ import annotations

import time

from flask import current_app, session, url_for

from server.auth.clerks import complete_login, get_clerk
from server.auth.models import Clerk
from server.auth.session import start_clerk_session
from server.security import safe_redirect_target

KEY = "clerk_pending"
MAX_NEXT_LENGTH = 500


def begin(clerk: Clerk, next_target: str | None) -> None:
    # Whoever was logged in before in this browser is not any more: one person per session.
    session.pop("clerk_id", None)
    if next_target is not None and len(next_target) > MAX_NEXT_LENGTH:
        next_target = None  # the overview instead of a session bloated by a crafted link
    session[KEY] = {"id": clerk.id, "since": int(time.time()), "next": next_target}


def _state() -> dict[str, object] | None:
    state = session.get(KEY)
    if not isinstance(state, dict) or not isinstance(state.get("id"), int):
        return None
    return state


def expired() -> bool:
    """Whether there was a pending login that ran out (as opposed to none at all)."""
    state = _state()
    if state is None:
        return False
    since = state.get("since")
    limit = 60 * int(current_app.config["CLERK_PENDING_LOGIN_MINUTES"])
    return not isinstance(since, int) or time.time() - since > limit


def pending_clerk() -> Clerk | None:
    """The active clerk whose password was right a moment ago, or None."""
    state = _state()
    if state is None or expired():
        return None
    clerk_id = state["id"]
    clerk = get_clerk(clerk_id) if isinstance(clerk_id, int) else None
    return clerk if clerk is not None and clerk.active else None


def pending_clerk_id() -> int | None:
    state = _state()
    clerk_id = state.get("id") if state else None
    return clerk_id if isinstance(clerk_id, int) else None


def next_target() -> str | None:
    state = _state()
    target = state.get("next") if state else None
    return target if isinstance(target, str) else None


def clear() -> None:
    session.pop(KEY, None)


def finish(clerk: Clerk) -> str:
    """The second factor succeeded: the clerk is logged in. Returns where to go now."""
    target = next_target()
    complete_login(clerk)
    start_clerk_session(clerk)
    return safe_redirect_target(target) or url_for("backoffice.overview")
