"""fine_cases: a partial index of the cases still waiting for their letter (the fines office's
queue counts them on every page)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "cases_without_letter",
        "fine_cases",
        ["id"],
        postgresql_where=sa.text("letters_issued = 0"),
        sqlite_where=sa.text("letters_issued = 0"),
    )


def downgrade() -> None:
    op.drop_index("cases_without_letter", table_name="fine_cases")
