"""The dog tax assessed for a registered dog and a year: one receivable each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, UniqueConstraint
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
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
