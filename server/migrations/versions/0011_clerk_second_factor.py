"""clerk second factor (TOTP)

Revision ID: 0011
Revises: 0008
Create Date: 2026-11-25 02:34:32.337816
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing clerks have no row here: they enrol at their next login.
    op.create_table(
        "clerk_totp",
        sa.Column("clerk_id", sa.Integer(), nullable=False),
        sa.Column("sealed_secret", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["clerk_id"],
            ["clerks.id"],
            name=op.f("fk_clerk_totp_clerk_id_clerks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("clerk_id", name=op.f("pk_clerk_totp")),
    )


def downgrade() -> None:
    op.drop_table("clerk_totp")
