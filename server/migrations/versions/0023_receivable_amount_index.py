"""receivables.amount_cents indexed: the statement import suggests receivables for transfers
without a reference by their amount (issue 17)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 20:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_receivables_amount_cents", "receivables", ["amount_cents"])


def downgrade() -> None:
    op.drop_index("ix_receivables_amount_cents", table_name="receivables")
