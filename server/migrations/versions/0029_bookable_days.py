"""appointment_days, appointment_day_bookings: days that take a number of bookings (the
bulky-waste pickup days of a district, issue 20)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-04 21:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "appointment_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("calendar", sa.String(60), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.CheckConstraint("taken >= 0", name=op.f("ck_appointment_days_taken_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_days")),
        sa.UniqueConstraint("calendar", "day", name=op.f("uq_appointment_days_calendar")),
    )
    op.create_table(
        "appointment_day_bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day_id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["day_id"],
            ["appointment_days.id"],
            name=op.f("fk_appointment_day_bookings_day_id_appointment_days"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_day_bookings")),
        sa.UniqueConstraint("holder", name=op.f("uq_appointment_day_bookings_holder")),
    )
    op.create_index(
        op.f("ix_appointment_day_bookings_day_id"), "appointment_day_bookings", ["day_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_appointment_day_bookings_day_id"), table_name="appointment_day_bookings")
    op.drop_table("appointment_day_bookings")
    op.drop_table("appointment_days")
