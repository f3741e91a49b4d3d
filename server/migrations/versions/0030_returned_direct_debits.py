"""returned direct debits: collections booked from the bank statement (collected, returned with
the reason code), mandates a return made unusable, the return reason on clarifications

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-04 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATES = ("requested", "exported")
NEW_STATES = (*OLD_STATES, "collected", "returned")


def _known_states(batch_op: BatchOperations, states: tuple[str, ...]) -> None:
    batch_op.drop_constraint(op.f("ck_direct_debits_known_state"), type_="check")
    batch_op.create_check_constraint(
        op.f("ck_direct_debits_known_state"),
        "state IN (" + ", ".join(f"'{state}'" for state in states) + ")",
    )


def upgrade() -> None:
    # SQLite cannot alter a CHECK constraint: batch mode copies the table there ("auto"); on
    # PostgreSQL it alters in place (a copy would give the id a new sequence starting at 1).
    with op.batch_alter_table("direct_debits") as batch_op:
        batch_op.add_column(sa.Column("collected_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("return_reason", sa.String(length=35), nullable=True))
        _known_states(batch_op, NEW_STATES)
    with op.batch_alter_table("sepa_mandates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revoked_reason", sa.String(length=35), nullable=True))
    with op.batch_alter_table("clarifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("return_reason", sa.String(length=35), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clarifications", schema=None) as batch_op:
        batch_op.drop_column("return_reason")
    with op.batch_alter_table("sepa_mandates", schema=None) as batch_op:
        batch_op.drop_column("revoked_reason")
        batch_op.drop_column("revoked_at")
    # A collection booked from the statement was in the bank's file before.
    op.execute(
        "UPDATE direct_debits SET state = 'exported' WHERE state IN ('collected', 'returned')"
    )
    with op.batch_alter_table("direct_debits") as batch_op:
        _known_states(batch_op, OLD_STATES)
        batch_op.drop_column("return_reason")
        batch_op.drop_column("returned_at")
        batch_op.drop_column("collected_at")
