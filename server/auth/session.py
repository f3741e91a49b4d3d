"""Who is logged in, and the decorator that gates back-office views by role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, redirect, request, session, url_for

from server.auth.citizens import get_citizen
from server.auth.clerks import get_clerk
from server.auth.models import Citizen, Clerk
from server.auth.roles import Role

F = TypeVar("F", bound=Callable[..., Any])


def start_clerk_session(clerk: Clerk) -> None:
    # A fresh session on login: an attacker-planted session id cannot become authenticated.
    session.clear()
    session.permanent = True
    session["clerk_id"] = clerk.id


def end_session() -> None:
    session.clear()


TRUST_ORDER = {"low": 0, "substantial": 1, "high": 2}


def start_citizen_session(citizen: Citizen, *, id_token: str | None) -> None:
    # What the browser proved before the login (letters, notices) stays with it, and so does the
    # key of the drafts typed before logging in.
    kept = {
        key: session[key] for key in ("receivables", "fine_cases", "draft_key_id") if key in session
    }
    session.clear()
    session.update(kept)
    session.permanent = True
    session["citizen_id"] = citizen.id
    session["trust_level"] = citizen.trust_level
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
                return redirect(
                    url_for("auth.account", next=request.full_path.rstrip("?"), stufe=level)
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


def clerk_required(role: Role | None = None) -> Callable[[F], F]:
    """Send anonymous visitors to the clerk login; refuse clerks without ``role`` (403)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            clerk = current_clerk()
            if clerk is None:
                return redirect(url_for("auth.clerk_login", next=request.full_path.rstrip("?")))
            if role is not None and not clerk.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
