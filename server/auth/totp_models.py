"""The clerks' second factor: one TOTP secret per clerk (RFC 6238)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, utcnow


class ClerkTotp(Base):
    """A clerk's TOTP secret, sealed (``server.auth.sealing``).

    Until ``confirmed_at`` is set the clerk is still enrolling: the secret was shown once but no
    code from it has been typed yet. ``last_step`` is the time step of the last accepted code, so
    that no code is accepted twice.
    """

    __tablename__ = "clerk_totp"

    clerk_id: Mapped[int] = mapped_column(
        ForeignKey("clerks.id", ondelete="CASCADE"), primary_key=True
    )
    sealed_secret: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_step: Mapped[int | None] = mapped_column(BigInteger)
