"""The clerks' second factor: enrolment, checking a code once, resetting.

A clerk without a confirmed TOTP secret enrols at the next login: after the password the portal
creates a fresh secret (a new one for every login, so a secret someone else saw with a stolen
password is gone by the time the real clerk enrols), shows it as a QR code and as text, and the
clerk confirms with a code. Administrators reset the factor (a lost phone); the clerk then
enrols again.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import delete, or_, select, update

from server.audit import log as audit
from server.auth import totp
from server.auth.models import Clerk
from server.auth.sealing import SealError, opens_with_first_key, seal, unseal
from server.auth.second_factor_models import ClerkSecurityKey, ClerkTotp
from server.db import utcnow
from server.extensions import db
from server.logs import get_logger

log = get_logger("auth")


class CodeCheck(StrEnum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    REPLAYED = "replayed"  # right code, but its time step was already used
    UNREADABLE = "unreadable"  # the secret cannot be decrypted (key changed): reset needed


class AlreadyEnrolled(RuntimeError):
    """Enrolment asked for a clerk who has a confirmed second factor."""


def _row(clerk_id: int) -> ClerkTotp | None:
    return db.session.get(ClerkTotp, clerk_id)


def is_enrolled(clerk: Clerk) -> bool:
    row = _row(clerk.id)
    return row is not None and row.confirmed_at is not None


def enrolled_clerk_ids() -> set[int]:
    return set(
        db.session.scalars(select(ClerkTotp.clerk_id).where(ClerkTotp.confirmed_at.is_not(None)))
    )


def start_enrolment(clerk: Clerk) -> None:
    """A fresh, unconfirmed secret for this login's enrolment."""
    with db.transaction() as session:
        row = _row(clerk.id)
        if row is not None and row.confirmed_at is not None:
            raise AlreadyEnrolled(clerk.username)
        if row is None:
            session.add(ClerkTotp(clerk_id=clerk.id, sealed_secret=seal(totp.new_secret())))
        else:
            row.sealed_secret = seal(totp.new_secret())
            row.created_at = utcnow()
            row.last_step = None


def enrolment_secret(clerk: Clerk) -> str | None:
    """The secret the clerk is enrolling with (the same on every reload), or None."""
    row = _row(clerk.id)
    if row is None or row.confirmed_at is not None:
        return None
    try:
        return unseal(row.sealed_secret)
    except SealError:
        return None


def _claim(clerk_id: int, step: int, *, confirming: bool) -> bool:
    """Record ``step`` as used, atomically: of two requests with the same code, one wins."""
    statement = (
        update(ClerkTotp)
        .where(ClerkTotp.clerk_id == clerk_id)
        .where(or_(ClerkTotp.last_step.is_(None), ClerkTotp.last_step < step))
        .values(last_step=step)
    )
    if confirming:
        statement = statement.where(ClerkTotp.confirmed_at.is_(None)).values(confirmed_at=utcnow())
    else:
        statement = statement.where(ClerkTotp.confirmed_at.is_not(None))
    result = db.session.execute(statement)
    return bool(getattr(result, "rowcount", 0) == 1)


def _check(clerk: Clerk, code: str, *, confirming: bool) -> CodeCheck:
    row = _row(clerk.id)
    if row is None or (row.confirmed_at is None) != confirming:
        return CodeCheck.WRONG
    try:
        secret = unseal(row.sealed_secret)
    except SealError:
        log.error("clerk TOTP secret unreadable", extra={"clerk": clerk.username})
        return CodeCheck.UNREADABLE
    step = totp.matching_step(secret, code)
    actor = f"clerk:{clerk.username}"
    with db.transaction():
        if step is None:
            outcome = CodeCheck.WRONG
        elif not _claim(clerk.id, step, confirming=confirming):
            outcome = CodeCheck.REPLAYED
        else:
            outcome = CodeCheck.ACCEPTED
            if confirming:
                audit.record(actor, "clerk.second_factor_enrolled", "clerk", clerk.id, "totp")
            elif not opens_with_first_key(row.sealed_secret):
                row.sealed_secret = seal(secret)  # rotated key: re-encrypt with the newest
        if outcome is not CodeCheck.ACCEPTED:
            audit.record(actor, "clerk.second_factor_failed", "clerk", clerk.id, outcome.value)
    # The UPDATE went around the ORM: read the row afresh next time.
    db.session.expire(row)
    log.info("clerk second factor", extra={"clerk": clerk.username, "outcome": outcome.value})
    return outcome


def confirm_enrolment(clerk: Clerk, code: str) -> CodeCheck:
    return _check(clerk, code, confirming=True)


def check_code(clerk: Clerk, code: str) -> CodeCheck:
    return _check(clerk, code, confirming=False)


def reset(clerk: Clerk, *, actor: str) -> bool:
    """Forget the clerk's second factor: they enrol again at their next login. False if there
    was none (nothing deleted: a repeated or parallel reset is not a second one)."""
    with db.transaction() as session:
        totps = session.execute(delete(ClerkTotp).where(ClerkTotp.clerk_id == clerk.id))
        keys = session.execute(
            delete(ClerkSecurityKey).where(ClerkSecurityKey.clerk_id == clerk.id)
        )
        if not (getattr(totps, "rowcount", 0) or getattr(keys, "rowcount", 0)):
            return False
        audit.record(actor, "clerk.second_factor_reset", "clerk", clerk.id)
    log.info("clerk second factor reset", extra={"clerk": clerk.username, "by": actor})
    return True


def enrol_with_secret(clerk: Clerk, secret: str) -> None:
    """Set a confirmed secret directly: demo clerks and tests, whose secret is printed/known."""
    with db.transaction() as session:
        row = _row(clerk.id)
        if row is None:
            row = ClerkTotp(clerk_id=clerk.id, sealed_secret=seal(secret))
            session.add(row)
        row.sealed_secret = seal(secret)
        row.confirmed_at = utcnow()
        row.last_step = None


def readable_secret(clerk: Clerk) -> str | None:
    """The clerk's confirmed secret, if it can be read (``portal clerks code``, demo only)."""
    row = _row(clerk.id)
    if row is None or row.confirmed_at is None:
        return None
    try:
        return unseal(row.sealed_secret)
    except SealError:
        return None
