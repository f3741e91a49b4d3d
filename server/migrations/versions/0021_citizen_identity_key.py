"""citizens.identity_key: who a person is by their verified name and date of birth, so that a
login with the EUDI wallet and one with the eID find the same citizen record

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 19:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("citizens") as batch:
        batch.add_column(sa.Column("identity_key", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("one_per_identity", ["identity_key"])


def downgrade() -> None:
    with op.batch_alter_table("citizens") as batch:
        batch.drop_constraint("one_per_identity", type_="unique")
        batch.drop_column("identity_key")
