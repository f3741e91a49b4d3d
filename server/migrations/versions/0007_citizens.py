"""citizens

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 01:34:42.082572
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "citizens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("eid_issuer", sa.String(length=255), nullable=True),
        sa.Column("eid_subject", sa.String(length=255), nullable=True),
        sa.Column("given_name", sa.String(length=140), nullable=False),
        sa.Column("family_name", sa.String(length=140), nullable=False),
        sa.Column("birthdate", sa.Date(), nullable=True),
        sa.Column("street", sa.String(length=140), nullable=True),
        sa.Column("postal_code", sa.String(length=16), nullable=True),
        sa.Column("locality", sa.String(length=140), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("trust_level", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizens")),
        sa.UniqueConstraint("eid_issuer", "eid_subject", name="one_per_eid"),
    )


def downgrade() -> None:
    op.drop_table("citizens")
