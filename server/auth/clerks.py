"""Clerk accounts: creation, authentication, lookup. Queries live here, not in views."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.audit import log as audit
from server.auth.models import Clerk, ClerkRole
from server.auth.passwords import hash_password, needs_rehash, verify_password
from server.auth.roles import Role
from server.db import utcnow
from server.extensions import db
from server.logs import get_logger

USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # the login form's limit
log = get_logger("auth")


class ClerkError(ValueError):
    """A clerk account cannot be created or changed as asked."""


class UsernameTaken(ClerkError):
    pass


def normalise_username(username: str) -> str:
    return username.strip().lower()


def find_clerk(username: str) -> Clerk | None:
    return db.session.scalar(select(Clerk).where(Clerk.username == normalise_username(username)))


def get_clerk(clerk_id: int) -> Clerk | None:
    return db.session.get(Clerk, clerk_id)


def list_clerks() -> list[Clerk]:
    return list(db.session.scalars(select(Clerk).order_by(Clerk.username)))


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ClerkError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ClerkError(f"password must have at most {MAX_PASSWORD_LENGTH} characters")


def create_clerk(
    *,
    username: str,
    display_name: str,
    password: str,
    roles: Iterable[Role],
    actor: str = "system",
) -> Clerk:
    """A new clerk, who sets up the second factor at the first login. ``actor`` is who created
    the account, for the audit log (``clerk:<username>``, ``operator`` at the command line)."""
    roles = {Role(role) for role in roles}
    username = normalise_username(username)
    if not USERNAME_PATTERN.fullmatch(username):
        raise ClerkError("username must be 1 to 64 of a-z, 0-9, dot, dash, underscore")
    check_password_rules(password)
    try:
        with db.transaction() as session:
            if find_clerk(username) is not None:
                raise UsernameTaken(f"clerk {username!r} exists")
            clerk = Clerk(
                username=username,
                display_name=display_name.strip() or username,
                password_hash=hash_password(password),
                role_rows=[ClerkRole(role=role.value) for role in roles],
            )
            session.add(clerk)
            session.flush()
            audit.record(actor, "clerk.created", "clerk", clerk.id, roles_text(roles))
    except IntegrityError:
        # A parallel request created the same username between the check and the insert.
        if find_clerk(username) is not None:
            raise UsernameTaken(f"clerk {username!r} exists") from None
        raise
    log.info("clerk created", extra={"clerk": username, "roles": sorted(map(str, roles))})
    return clerk


def roles_text(roles: Iterable[Role]) -> str:
    return ",".join(sorted(role.value for role in roles)) or "-"


def authenticate(username: str, password: str) -> Clerk | None:
    """The active clerk with these credentials, or None. Every failure is logged; the login
    itself is recorded by ``complete_login`` once the second factor succeeded."""
    clerk = find_clerk(username)
    if not verify_password(clerk.password_hash if clerk else None, password):
        log.warning("clerk login failed", extra={"clerk": normalise_username(username)})
        audit.record_now(
            "anonymous", "clerk.login_failed", "clerk", normalise_username(username)[:64]
        )
        return None
    assert clerk is not None
    if not clerk.active:
        log.warning("clerk login refused: inactive", extra={"clerk": clerk.username})
        audit.record_now("anonymous", "clerk.login_refused", "clerk", clerk.id, "inactive")
        return None
    if needs_rehash(clerk.password_hash):
        with db.transaction():
            clerk.password_hash = hash_password(password)
    log.info("clerk password accepted", extra={"clerk": clerk.username})
    return clerk


def complete_login(clerk: Clerk) -> None:
    """Password and second factor were right: the clerk is logged in from now on."""
    with db.transaction():
        clerk.last_login_at = utcnow()
        audit.record(f"clerk:{clerk.username}", "clerk.login", "clerk", clerk.id)
    log.info("clerk logged in", extra={"clerk": clerk.username})
