"""fines: hearing statements and uploads

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 01:11:14.993116
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fine_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("person_name", sa.String(length=140), nullable=False),
        sa.Column("person_street", sa.String(length=140), nullable=False),
        sa.Column("person_postcode_city", sa.String(length=140), nullable=False),
        sa.Column("person_birth_date", sa.Date(), nullable=True),
        sa.Column("driver_name", sa.String(length=140), nullable=True),
        sa.Column("driver_street", sa.String(length=140), nullable=True),
        sa.Column("driver_postcode_city", sa.String(length=140), nullable=True),
        sa.Column("driver_birth_date", sa.Date(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('admit', 'contest', 'nominate')", name=op.f("ck_fine_statements_known_kind")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["fine_cases.id"],
            name=op.f("fk_fine_statements_case_id_fine_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fine_statements")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_fine_statements_submission_id")),
    )
    with op.batch_alter_table("fine_statements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fine_statements_case_id"), ["case_id"], unique=False)

    op.create_table(
        "fine_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=True),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["fine_cases.id"],
            name=op.f("fk_fine_uploads_case_id_fine_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["fine_statements.id"],
            name=op.f("fk_fine_uploads_statement_id_fine_statements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fine_uploads")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_fine_uploads_stored_name")),
    )
    with op.batch_alter_table("fine_uploads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fine_uploads_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("fine_uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fine_uploads_case_id"))

    op.drop_table("fine_uploads")
    with op.batch_alter_table("fine_statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fine_statements_case_id"))

    op.drop_table("fine_statements")
