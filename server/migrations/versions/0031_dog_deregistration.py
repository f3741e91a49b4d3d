"""Deregistering a dog: one deregistration per registration (the tax ends once), the first
month taxed of a year's assessment, a collection that is cancelled, a mandate the city ended,
a receivable closed because the tax ended

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-04 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATES = "'requested', 'exported', 'collected', 'returned'"  # as 0030 left them
NEW_STATES = f"{OLD_STATES}, 'cancelled'"
OLD_REASONS = "'discontinued', 'forwarded', 'replaced', 'rejected', 'withdrawn'"
NEW_REASONS = f"{OLD_REASONS}, 'ended'"


def _replace_check(table: str, name: str, condition: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(f"ck_{table}_{name}"), type_="check")
        batch_op.create_check_constraint(batch_op.f(f"ck_{table}_{name}"), condition)


def upgrade() -> None:
    op.create_table(
        "dog_deregistrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("left_on", sa.Date(), nullable=False),
        sa.Column("taxed_until", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["form_submissions.id"],
            name=op.f("fk_dog_deregistrations_registration_id_form_submissions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["form_submissions.id"],
            name=op.f("fk_dog_deregistrations_submission_id_form_submissions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dog_deregistrations")),
        sa.UniqueConstraint("registration_id", name=op.f("uq_dog_deregistrations_registration_id")),
    )
    op.create_index(
        op.f("ix_dog_deregistrations_submission_id"), "dog_deregistrations", ["submission_id"]
    )
    with op.batch_alter_table("dog_tax_years", schema=None) as batch_op:
        batch_op.add_column(sa.Column("taxed_from", sa.Date(), nullable=True))
    with op.batch_alter_table("sepa_mandates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
    _replace_check("direct_debits", "known_state", f"state IN ({NEW_STATES})")
    _replace_check(
        "receivables",
        "known_closed_reason",
        f"closed_reason IS NULL OR closed_reason IN ({NEW_REASONS})",
    )


def downgrade() -> None:
    op.execute(
        "UPDATE receivables SET closed_reason = 'discontinued' WHERE closed_reason = 'ended'"
    )
    _replace_check(
        "receivables",
        "known_closed_reason",
        f"closed_reason IS NULL OR closed_reason IN ({OLD_REASONS})",
    )
    op.execute("DELETE FROM direct_debits WHERE state = 'cancelled'")  # never sent to a bank
    _replace_check("direct_debits", "known_state", f"state IN ({OLD_STATES})")
    with op.batch_alter_table("sepa_mandates", schema=None) as batch_op:
        batch_op.drop_column("ended_at")
    with op.batch_alter_table("dog_tax_years", schema=None) as batch_op:
        batch_op.drop_column("taxed_from")
    op.drop_index(op.f("ix_dog_deregistrations_submission_id"), table_name="dog_deregistrations")
    op.drop_table("dog_deregistrations")
