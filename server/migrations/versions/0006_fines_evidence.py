"""fines: evidence photos

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 01:29:10.163681
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fine_uploads", schema=None) as batch_op:
        # Existing files are citizens' uploads.
        batch_op.add_column(
            sa.Column("evidence", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("fine_uploads", schema=None) as batch_op:
        batch_op.drop_column("evidence")
