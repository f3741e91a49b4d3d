"""The dog tax assessed for a registered dog and a year: one receivable each; and the end of
the tax when the dog is deregistered."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, utcnow


class DogTaxYear(Base):
    __tablename__ = "dog_tax_years"
    __table_args__ = (
        # One assessment per dog and year: an approval sent twice creates one receivable.
        UniqueConstraint("submission_id", "year", name="one_per_dog_and_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("form_submissions.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    receivable_id: Mapped[int] = mapped_column(ForeignKey("receivables.id"), unique=True)
    # The first month taxed in the year (None: assessed before it was kept, see
    # ``deregistration._year_start``).
    taxed_from: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DogDeregistration(Base):
    """A registered dog deregistered: the tax office confirmed it, the tax ends with
    ``taxed_until``. One per registration: two confirmations, of one deregistration or of two,
    end the tax once."""

    __tablename__ = "dog_deregistrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("form_submissions.id", ondelete="CASCADE"), unique=True
    )
    # The deregistration the tax office confirmed (gone when retention deletes it).
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("form_submissions.id", ondelete="SET NULL"), index=True
    )
    left_on: Mapped[date] = mapped_column(Date)
    taxed_until: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
