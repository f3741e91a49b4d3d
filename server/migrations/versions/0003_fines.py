"""fines: offences, cases, case events

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 00:58:12.477975
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "offences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=6), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("legal_basis", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offences")),
        sa.UniqueConstraint("number", name=op.f("uq_offences_number")),
    )
    op.create_table(
        "fine_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("aktenzeichen", sa.String(length=32), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("offence_id", sa.Integer(), nullable=False),
        sa.Column("offence_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("holder_name", sa.String(length=140), nullable=False),
        sa.Column("holder_street", sa.String(length=140), nullable=False),
        sa.Column("holder_postcode_city", sa.String(length=140), nullable=False),
        sa.Column("receivable_id", sa.Integer(), nullable=True),
        sa.Column("url_token_hash", sa.String(length=64), nullable=True),
        sa.Column("access_code_hash", sa.String(length=255), nullable=True),
        sa.Column("letter_issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("forwarded_from_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('warning', 'hearing')", name=op.f("ck_fine_cases_known_kind")),
        sa.CheckConstraint(
            "status IN ('open', 'statement_received', 'driver_named', 'paid', 'discontinued', 'continued', 'forwarded')",
            name=op.f("ck_fine_cases_known_status"),
        ),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_fine_cases_positive_amount")),
        sa.ForeignKeyConstraint(
            ["forwarded_from_id"],
            ["fine_cases.id"],
            name=op.f("fk_fine_cases_forwarded_from_id_fine_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["offence_id"], ["offences.id"], name=op.f("fk_fine_cases_offence_id_offences")
        ),
        sa.ForeignKeyConstraint(
            ["receivable_id"],
            ["receivables.id"],
            name=op.f("fk_fine_cases_receivable_id_receivables"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fine_cases")),
        sa.UniqueConstraint("aktenzeichen", name=op.f("uq_fine_cases_aktenzeichen")),
        sa.UniqueConstraint("receivable_id", name=op.f("uq_fine_cases_receivable_id")),
        sa.UniqueConstraint("url_token_hash", name=op.f("uq_fine_cases_url_token_hash")),
    )
    with op.batch_alter_table("fine_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fine_cases_status"), ["status"], unique=False)

    op.create_table(
        "fine_case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["fine_cases.id"],
            name=op.f("fk_fine_case_events_case_id_fine_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fine_case_events")),
    )
    with op.batch_alter_table("fine_case_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fine_case_events_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("fine_case_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fine_case_events_case_id"))

    op.drop_table("fine_case_events")
    with op.batch_alter_table("fine_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fine_cases_status"))

    op.drop_table("fine_cases")
    op.drop_table("offences")
