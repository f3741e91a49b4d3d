"""SEPA mandates and direct debits (payments), the dog tax's yearly assessments (issue 20)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sepa_mandates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(35), nullable=False),
        sa.Column("debtor_name", sa.String(140), nullable=False),
        sa.Column("debtor_iban", sa.String(34), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sepa_mandates")),
        sa.UniqueConstraint("reference", name=op.f("uq_sepa_mandates_reference")),
    )
    op.create_table(
        "direct_debits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receivable_id", sa.Integer(), nullable=False),
        sa.Column("mandate_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("collection_date", sa.Date(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("export_file", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_direct_debits_positive_amount")),
        sa.CheckConstraint(
            "state IN ('requested', 'exported')", name=op.f("ck_direct_debits_known_state")
        ),
        sa.ForeignKeyConstraint(
            ["mandate_id"],
            ["sepa_mandates.id"],
            name=op.f("fk_direct_debits_mandate_id_sepa_mandates"),
        ),
        sa.ForeignKeyConstraint(
            ["receivable_id"],
            ["receivables.id"],
            name=op.f("fk_direct_debits_receivable_id_receivables"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_direct_debits")),
        sa.UniqueConstraint("receivable_id", name=op.f("uq_direct_debits_receivable_id")),
    )
    op.create_index(op.f("ix_direct_debits_mandate_id"), "direct_debits", ["mandate_id"])
    op.create_index(op.f("ix_direct_debits_state"), "direct_debits", ["state"])
    op.create_table(
        "dog_tax_years",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("receivable_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["receivable_id"],
            ["receivables.id"],
            name=op.f("fk_dog_tax_years_receivable_id_receivables"),
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["form_submissions.id"],
            name=op.f("fk_dog_tax_years_submission_id_form_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dog_tax_years")),
        sa.UniqueConstraint("receivable_id", name=op.f("uq_dog_tax_years_receivable_id")),
        sa.UniqueConstraint("submission_id", "year", name="one_per_dog_and_year"),
    )
    op.create_index(op.f("ix_dog_tax_years_submission_id"), "dog_tax_years", ["submission_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_dog_tax_years_submission_id"), table_name="dog_tax_years")
    op.drop_table("dog_tax_years")
    op.drop_index(op.f("ix_direct_debits_state"), table_name="direct_debits")
    op.drop_index(op.f("ix_direct_debits_mandate_id"), table_name="direct_debits")
    op.drop_table("direct_debits")
    op.drop_table("sepa_mandates")
