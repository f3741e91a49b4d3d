"""Who is logged in, and the decorator that gates back-office views by role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, redirect, request, session, url_for

from server.auth import records
from server.auth.citizens import get_citizen
from server.auth.clerks import get_clerk
from server.auth.models import Citizen, Clerk
from server.auth.roles import Role
from server.auth.session_store import ServerSession, end_sessions_of_citizen

F = TypeVar("F", bound=Callable[..., Any])


def _server_session() -> ServerSession:
    current = session._get_current_object()  # type: ignore[attr-defined]
    assert isinstance(current, ServerSession), "the portal runs on server-side sessions"
    return current


def start_clerk_session(clerk: Clerk) -> None:
    # A fresh session on login: an attacker-planted session id cannot become authenticated.
    current = _server_session()
    current.clear()
    current.regenerate()
    current["clerk_id"] = clerk.id


def end_session() -> None:
    """Log out: the session's row is deleted, so the cookie is worthless from now on."""
    _server_session().revoke()


def end_sessions_after_password_change(citizen_id: int) -> int:
    """After a password reset every session of the citizen ends, this browser's too if it is
    theirs: whoever knew the old password is out, and the citizen logs in with the new one."""
    ended = end_sessions_of_citizen(citizen_id, except_token=_server_session().token)
    if session.get("citizen_id") == citizen_id:
        end_session()
        ended += 1
    return ended


def end_all_sessions(citizen_id: int) -> int:
    """ "Überall abmelden": every session of the citizen, this one included; returns how many
    ended here (0: another device did it a moment ago)."""
    ended = end_sessions_of_citizen(citizen_id)
    end_session()
    return ended


def current_session_token() -> str | None:
    return _server_session().token


def session_expired() -> bool:
    """The browser came with a session that has timed out or was ended elsewhere."""
    return _server_session().expired


TRUST_ORDER = {"low": 0, "substantial": 1, "high": 2}


def start_citizen_session(citizen: Citizen, *, id_token: str | None, method: str = "eid") -> None:
    """``method`` is "eid", "wallet" or "password"; a password proves no identity, so its
    trust level is "low" whatever eID or wallet the account has linked."""
    # What the browser proved before the login (letters, notices) stays with it.
    current = _server_session()
    kept = {key: current[key] for key in ("receivables", "fine_cases") if key in current}
    current.clear()
    current.regenerate()
    current.update(kept)
    # What the browser opened before logging in belongs to the account from now on.
    for kind, record_ids in kept.items():
        for record_id in record_ids:
            records.link(citizen.id, kind, record_id)
    session["citizen_id"] = citizen.id
    session["login_method"] = method
    session["trust_level"] = citizen.trust_level if method in ("eid", "wallet") else "low"
    if id_token:
        session["id_token"] = id_token


def current_citizen() -> Citizen | None:
    if "current_citizen" not in g:
        citizen_id = session.get("citizen_id")
        g.current_citizen = get_citizen(citizen_id) if isinstance(citizen_id, int) else None
    citizen = g.current_citizen
    return citizen if isinstance(citizen, Citizen) else None


def citizen_required(level: str = "low") -> Callable[[F], F]:
    """Send visitors below ``level`` to the eID login; they come back here afterwards."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            citizen = current_citizen()
            if (
                citizen is None
                or TRUST_ORDER.get(session.get("trust_level", "low"), 0) < TRUST_ORDER[level]
            ):
                expired: dict[str, Any] = (
                    {"abgelaufen": "1"} if citizen is None and session_expired() else {}
                )
                return redirect(
                    url_for(
                        "auth.account", next=request.full_path.rstrip("?"), stufe=level, **expired
                    )
                )
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def current_clerk() -> Clerk | None:
    if "current_clerk" not in g:
        clerk_id = session.get("clerk_id")
        clerk = get_clerk(clerk_id) if isinstance(clerk_id, int) else None
        if clerk is not None and not clerk.active:
            clerk = None
        g.current_clerk = clerk
    clerk = g.current_clerk
    return clerk if isinstance(clerk, Clerk) else None


#: The attribute ``clerk_required`` leaves on the view it gates: the role the view needs, or
#: ``None`` for every logged-in clerk. Tests walk the routes with it; nothing else reads it.
GATE_ATTRIBUTE = "clerk_gate"


def clerk_required(role: Role | None = None) -> Callable[[F], F]:
    """Send anonymous visitors to the clerk login; refuse clerks without ``role`` (403) before
    the view looks anything up. The view carries ``clerk_gate`` = ``role``."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            clerk = current_clerk()
            if clerk is None:
                return redirect(url_for("auth.clerk_login", next=request.full_path.rstrip("?")))
            if role is not None and not clerk.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapper, GATE_ATTRIBUTE, role)
        return wrapper  # type: ignore[return-value]

    return decorator
