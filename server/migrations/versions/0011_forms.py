"""online forms: drafts, submissions, facets, status history, uploads; the citizens' office role

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 02:40:38.612572
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


OLD_ROLES = ("fines", "registry_office", "cash_office", "youth_office", "admin")
NEW_ROLES = (*OLD_ROLES, "citizen_office")


def _known_roles(roles: tuple[str, ...]) -> None:
    # SQLite cannot alter a CHECK constraint: batch mode copies the table with the new one.
    with op.batch_alter_table("clerk_roles", recreate="always") as batch_op:
        batch_op.drop_constraint(op.f("ck_clerk_roles_known_role"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_clerk_roles_known_role"),
            "role IN (" + ", ".join(f"'{role}'" for role in roles) + ")",
        )


def upgrade() -> None:
    _known_roles(NEW_ROLES)
    op.create_table(
        "form_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("service", sa.String(length=64), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
            name=op.f("fk_form_drafts_citizen_id_citizens"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_drafts")),
        sa.UniqueConstraint("citizen_id", "service", name="one_per_citizen"),
        sa.UniqueConstraint("key", name=op.f("uq_form_drafts_key")),
    )
    with op.batch_alter_table("form_drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form_drafts_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "form_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=True),
        sa.Column("service", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
            name=op.f("fk_form_submissions_citizen_id_citizens"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_submissions")),
        sa.UniqueConstraint("reference", name=op.f("uq_form_submissions_reference")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_form_submissions_submission_id")),
    )
    with op.batch_alter_table("form_submissions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_form_submissions_citizen_id"), ["citizen_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_form_submissions_role"), ["role"], unique=False)
        batch_op.create_index(batch_op.f("ix_form_submissions_service"), ["service"], unique=False)
        batch_op.create_index(batch_op.f("ix_form_submissions_status"), ["status"], unique=False)

    op.create_table(
        "form_facets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["form_submissions.id"],
            name=op.f("fk_form_facets_submission_id_form_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_facets")),
    )
    with op.batch_alter_table("form_facets", schema=None) as batch_op:
        batch_op.create_index("ix_form_facets_name_value", ["name", "value"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_form_facets_submission_id"), ["submission_id"], unique=False
        )

    op.create_table(
        "form_status_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["form_submissions.id"],
            name=op.f("fk_form_status_events_submission_id_form_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_status_events")),
    )
    with op.batch_alter_table("form_status_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_form_status_events_submission_id"), ["submission_id"], unique=False
        )

    op.create_table(
        "form_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("original_name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id"],
            ["form_drafts.id"],
            name=op.f("fk_form_uploads_draft_id_form_drafts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["form_submissions.id"],
            name=op.f("fk_form_uploads_submission_id_form_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_uploads")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_form_uploads_storage_key")),
    )
    with op.batch_alter_table("form_uploads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form_uploads_draft_id"), ["draft_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_form_uploads_submission_id"), ["submission_id"], unique=False
        )


def downgrade() -> None:
    op.execute("DELETE FROM clerk_roles WHERE role = 'citizen_office'")
    _known_roles(OLD_ROLES)
    with op.batch_alter_table("form_uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_uploads_submission_id"))
        batch_op.drop_index(batch_op.f("ix_form_uploads_draft_id"))

    op.drop_table("form_uploads")
    with op.batch_alter_table("form_status_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_status_events_submission_id"))

    op.drop_table("form_status_events")
    with op.batch_alter_table("form_facets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_facets_submission_id"))
        batch_op.drop_index("ix_form_facets_name_value")

    op.drop_table("form_facets")
    with op.batch_alter_table("form_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_submissions_status"))
        batch_op.drop_index(batch_op.f("ix_form_submissions_service"))
        batch_op.drop_index(batch_op.f("ix_form_submissions_role"))
        batch_op.drop_index(batch_op.f("ix_form_submissions_citizen_id"))

    op.drop_table("form_submissions")
    with op.batch_alter_table("form_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_drafts_updated_at"))

    op.drop_table("form_drafts")
