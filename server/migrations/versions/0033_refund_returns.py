"""A refund's credit transfer that the payee's bank returned: recorded once per statement entry,
and the refund waits for an account again

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 03:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "refund_returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("refund_id", sa.Integer(), nullable=False),
        sa.Column("source_ref", sa.String(length=200), nullable=False),
        sa.Column("statement_import_id", sa.Integer(), nullable=True),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("creditor_name", sa.String(length=140), nullable=True),
        sa.Column("creditor_iban", sa.String(length=34), nullable=True),
        sa.Column("return_reason", sa.String(length=35), nullable=True),
        sa.Column("export_file", sa.String(length=100), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["refund_id"], ["refunds.id"], name=op.f("fk_refund_returns_refund_id_refunds")
        ),
        sa.ForeignKeyConstraint(
            ["statement_import_id"],
            ["statement_imports.id"],
            name=op.f("fk_refund_returns_statement_import_id_statement_imports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund_returns")),
        sa.UniqueConstraint("source_ref", name="one_return_per_transaction"),
    )
    with op.batch_alter_table("refund_returns", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_refund_returns_refund_id"), ["refund_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("refund_returns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refund_returns_refund_id"))
    op.drop_table("refund_returns")
