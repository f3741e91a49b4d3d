"""parking_permits: issued resident parking permits (Bewohnerparkausweis, issue 20)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "parking_permits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("plate", sa.String(16), nullable=False),
        sa.Column("zone", sa.String(16), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["form_submissions.id"],
            name=op.f("fk_parking_permits_submission_id_form_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parking_permits")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_parking_permits_submission_id")),
        sa.UniqueConstraint("token", name=op.f("uq_parking_permits_token")),
    )
    op.create_index(op.f("ix_parking_permits_plate"), "parking_permits", ["plate"])


def downgrade() -> None:
    op.drop_index(op.f("ix_parking_permits_plate"), table_name="parking_permits")
    op.drop_table("parking_permits")
