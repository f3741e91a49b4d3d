"""A server draft's revision: a client's answers replace the draft only if they are based on
the revision it holds now, so that a page opened before a change elsewhere cannot undo it

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 23:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("form_drafts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("form_drafts", schema=None) as batch_op:
        batch_op.drop_column("revision")
