"""Single-use links sent by e-mail (confirm an address, set a new password).

The link carries 256 random bits; the database keeps only their SHA-256, so a copy of the
database opens no account. A link says whether it is unknown, expired or used, so that the page
can tell the citizen and offer a new one.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import select, update

from server.auth.models import AccountToken, Citizen, TokenPurpose
from server.db import as_utc, utcnow
from server.extensions import db


class LinkState(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    USED = "used"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Link:
    state: LinkState
    token: AccountToken | None = None


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(
    citizen: Citizen,
    purpose: TokenPurpose,
    lifetime: timedelta,
    *,
    password_hash: str | None = None,
) -> str:
    """Add a new link to the caller's transaction; returns the raw token for the mail."""
    raw = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            citizen_id=citizen.id,
            purpose=purpose.value,
            token_hash=_digest(raw),
            password_hash=password_hash,
            expires_at=utcnow() + lifetime,
        )
    )
    return raw


def look_up(raw: str, purpose: TokenPurpose) -> Link:
    if not raw or len(raw) > 128:
        return Link(LinkState.UNKNOWN)
    token = db.session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == _digest(raw), AccountToken.purpose == purpose.value
        )
    )
    if token is None:
        return Link(LinkState.UNKNOWN)
    if token.used_at is not None:
        return Link(LinkState.USED, token)
    if as_utc(token.expires_at) <= utcnow():
        return Link(LinkState.EXPIRED, token)
    return Link(LinkState.VALID, token)


def use_all(citizen_id: int, purpose: TokenPurpose) -> None:
    """Mark every open link of this purpose used (the one just followed and its siblings)."""
    db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.citizen_id == citizen_id,
            AccountToken.purpose == purpose.value,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )


def claim(token: AccountToken) -> bool:
    """Use this link once: False if another request used it first."""
    result = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == token.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))
