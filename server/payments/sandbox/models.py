from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, utcnow


class SandboxTransaction(Base):
    """A payment transaction as the sandbox platform keeps it (its own table, its own ids)."""

    __tablename__ = "sandbox_transactions"
    __table_args__ = (
        UniqueConstraint("originator_id", "endpoint_id", "request_id", name="one_per_request"),
    )

    transaction_id: Mapped[str] = mapped_column(String(44), primary_key=True)
    originator_id: Mapped[str] = mapped_column(String(36))
    endpoint_id: Mapped[str] = mapped_column(String(36))
    request_id: Mapped[str] = mapped_column(String(36))
    request_json: Mapped[str] = mapped_column(Text)
    amount_cents: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="INITIAL")
    payment_method: Mapped[str | None] = mapped_column(String(20))
    payment_method_detail: Mapped[str | None] = mapped_column(String(40))
    refunded_cents: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
