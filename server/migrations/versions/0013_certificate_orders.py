"""certificate orders: the form engine's payment step (fee, Kassenzeichen) and status inputs

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-25 03:22:17.976987
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("form_status_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("details", sa.JSON(), nullable=True))

    with op.batch_alter_table("form_submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fee_lines", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("fee_cents", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("kassenzeichen", sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_form_submissions_kassenzeichen"), ["kassenzeichen"]
        )


def downgrade() -> None:
    with op.batch_alter_table("form_submissions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_form_submissions_kassenzeichen"), type_="unique")
        batch_op.drop_column("kassenzeichen")
        batch_op.drop_column("fee_cents")
        batch_op.drop_column("fee_lines")

    with op.batch_alter_table("form_status_events", schema=None) as batch_op:
        batch_op.drop_column("details")
