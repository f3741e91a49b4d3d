"""An issued resident parking permit: what an enforcement officer's phone checks by the QR code
on it (``token``), and what the fines office is warned of when a case names its plate."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, utcnow


class ParkingPermit(Base):
    __tablename__ = "parking_permits"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One permit per approved application: an approval sent twice issues one.
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("form_submissions.id", ondelete="CASCADE"), unique=True
    )
    # In the QR code's URL: random, not the reference (which is guessable).
    token: Mapped[str] = mapped_column(String(64), unique=True)
    plate: Mapped[str] = mapped_column(String(16), index=True)  # normalised: "K AB 1234"
    zone: Mapped[str] = mapped_column(String(16))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
