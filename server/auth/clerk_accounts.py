"""Administrators manage clerk accounts: roles, deactivation, password and second-factor resets.

The rules that keep the back office administrable: nobody removes their own admin role or
deactivates themselves, and the last active administrator stays. Every change goes to the audit
log, never a password or secret.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select, update

from server.audit import log as audit
from server.auth import second_factor
from server.auth.clerks import check_password_rules, get_clerk, list_clerks, roles_text
from server.auth.models import Clerk, ClerkRole
from server.auth.passwords import hash_password, verify_password
from server.auth.roles import Role
from server.auth.session_store import end_sessions_of_clerk
from server.extensions import db
from server.logs import get_logger

log = get_logger("auth")
OPERATOR = "operator"  # the command line, where no clerk is logged in


class Refusal(StrEnum):
    OWN_ADMIN_ROLE = "own_admin_role"
    SELF_DEACTIVATION = "self_deactivation"
    LAST_ADMIN = "last_admin"


class ChangeRefused(Exception):
    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True)
class Account:
    clerk: Clerk
    second_factor: bool  # set up (confirmed), not just started


def list_accounts() -> list[Account]:
    enrolled = second_factor.enrolled_clerk_ids()
    return [Account(clerk, clerk.id in enrolled) for clerk in list_clerks()]


def get_account(clerk_id: int) -> Account | None:
    clerk = get_clerk(clerk_id)
    return Account(clerk, second_factor.is_enrolled(clerk)) if clerk is not None else None


def actor_name(actor: Clerk | None) -> str:
    return f"clerk:{actor.username}" if actor is not None else OPERATOR


def _other_active_admins(clerk: Clerk) -> int:
    """Active administrators besides ``clerk``, rows locked until the change commits, so that
    two administrators demoting each other at once cannot leave none (PostgreSQL)."""
    ids = db.session.scalars(
        select(Clerk.id)
        .join(ClerkRole, ClerkRole.clerk_id == Clerk.id)
        .where(Clerk.active.is_(True), ClerkRole.role == Role.ADMIN.value, Clerk.id != clerk.id)
        .with_for_update(of=Clerk)
    )
    return len(list(ids))


def _keeps_an_admin(clerk: Clerk) -> None:
    if Role.ADMIN in clerk.roles and clerk.active and _other_active_admins(clerk) == 0:
        raise ChangeRefused(Refusal.LAST_ADMIN)


def _lock(clerk: Clerk) -> None:
    """Take the clerk's row for this transaction (a no-op write: a row lock on PostgreSQL, the
    write lock on SQLite), so that two administrators' changes to one clerk run one after the
    other and the second sees what the first did."""
    db.session.execute(update(Clerk).where(Clerk.id == clerk.id).values(id=Clerk.id))


def set_roles(clerk: Clerk, roles: Iterable[Role], *, actor: Clerk | None) -> bool:
    """Give the clerk exactly ``roles``; False if nothing changed (also when a parallel request
    gave them first)."""
    wanted = {Role(role) for role in roles}
    if wanted == clerk.roles:
        return False
    with db.transaction():
        _lock(clerk)
        db.session.refresh(clerk, ["role_rows"])
        before = clerk.roles
        if wanted == before:
            return False
        losing_admin = Role.ADMIN in before and Role.ADMIN not in wanted
        if losing_admin and actor is not None and actor.id == clerk.id:
            raise ChangeRefused(Refusal.OWN_ADMIN_ROLE)
        if losing_admin:
            _keeps_an_admin(clerk)
        clerk.role_rows = [row for row in clerk.role_rows if Role(row.role) in wanted]
        clerk.role_rows.extend(ClerkRole(role=role.value) for role in wanted - before)
        audit.record(
            actor_name(actor),
            "clerk.roles_changed",
            "clerk",
            clerk.id,
            f"{roles_text(before)} -> {roles_text(wanted)}",
        )
    log.info("clerk roles changed", extra={"clerk": clerk.username, "by": actor_name(actor)})
    return True


def set_active(clerk: Clerk, active: bool, *, actor: Clerk | None) -> bool:
    """Deactivate (the clerk's sessions stop working at once) or reactivate a clerk."""
    if clerk.active == active:
        return False
    if not active and actor is not None and actor.id == clerk.id:
        raise ChangeRefused(Refusal.SELF_DEACTIVATION)
    with db.transaction() as session:
        # Of N requests at once, one changes the row; the others find it changed.
        changed = session.execute(
            update(Clerk)
            .where(Clerk.id == clerk.id, Clerk.active.is_(not active))
            .values(active=active)
            .execution_options(synchronize_session=False)
        )
        if getattr(changed, "rowcount", 0) != 1:
            session.rollback()
            session.refresh(clerk)
            return False
        if not active:
            _keeps_an_admin(clerk)
        session.refresh(clerk)
        action = "clerk.reactivated" if active else "clerk.deactivated"
        audit.record(actor_name(actor), action, "clerk", clerk.id)
    if not active:
        end_sessions_of_clerk(clerk.id)
    log.info("clerk active changed", extra={"clerk": clerk.username, "active": active})
    return True


def reset_password(clerk: Clerk, password: str, *, actor: Clerk | None) -> bool:
    """Set a new password (the administrator hands it over; the rules of every password hold).
    Raises ``ClerkError`` if the password breaks them. False if the clerk has this password
    already (a repeated or parallel request): nothing changes, no sessions end."""
    check_password_rules(password)
    with db.transaction() as session:
        _lock(clerk)
        current = session.scalar(select(Clerk.password_hash).where(Clerk.id == clerk.id))
        if current is not None and verify_password(current, password):
            return False
        clerk.password_hash = hash_password(password)
        audit.record(actor_name(actor), "clerk.password_reset", "clerk", clerk.id)
    # Whoever knew the old password (or holds a session opened with it) is out.
    end_sessions_of_clerk(clerk.id)
    log.info("clerk password reset", extra={"clerk": clerk.username, "by": actor_name(actor)})
    return True


def reset_second_factor(clerk: Clerk, *, actor: Clerk | None) -> bool:
    """False if there was nothing to reset (a repeated or parallel request)."""
    if not second_factor.reset(clerk, actor=actor_name(actor)):
        return False
    end_sessions_of_clerk(clerk.id)
    return True
