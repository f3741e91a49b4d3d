"""status anywhere: each submission's Abrufcode and language, the hearing statement's language,
the citizens' Postfach; one pending hearing attachment per content and case

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from server.readable_codes import new_readable_code

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("form_submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_code", sa.String(length=24), nullable=True))
        batch_op.add_column(
            sa.Column("language", sa.String(length=8), server_default="de", nullable=False)
        )
    # Submissions sent before get a code too, so that their status pages open on any device.
    connection = op.get_bind()
    submissions = sa.table("form_submissions", sa.column("id"), sa.column("status_code"))
    for (row_id,) in connection.execute(sa.select(submissions.c.id)).all():
        connection.execute(
            submissions.update()
            .where(submissions.c.id == row_id)
            .values(status_code=new_readable_code())
        )
    with op.batch_alter_table("form_submissions", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_form_submissions_status_code"), ["status_code"]
        )
    with op.batch_alter_table("fine_statements", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=8), server_default="de", nullable=False)
        )
    # Pending attachments sent twice before this index existed: the later copies go (their
    # files stay in the storage until the case is deleted, as any unattached upload).
    op.execute(
        "DELETE FROM fine_uploads WHERE NOT evidence AND statement_id IS NULL AND id NOT IN "
        "(SELECT MIN(id) FROM fine_uploads WHERE NOT evidence AND statement_id IS NULL "
        "GROUP BY case_id, sha256)"
    )
    op.create_index(
        "one_pending_attachment_per_case",
        "fine_uploads",
        ["case_id", "sha256"],
        unique=True,
        sqlite_where=sa.text("NOT evidence AND statement_id IS NULL"),
        postgresql_where=sa.text("NOT evidence AND statement_id IS NULL"),
    )
    op.create_table(
        "postfach_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("mailed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
            name=op.f("fk_postfach_messages_citizen_id_citizens"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postfach_messages")),
    )
    with op.batch_alter_table("postfach_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_postfach_messages_citizen_id"), ["citizen_id"], unique=False
        )


def downgrade() -> None:
    op.drop_index("one_pending_attachment_per_case", table_name="fine_uploads")
    with op.batch_alter_table("postfach_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_postfach_messages_citizen_id"))
    op.drop_table("postfach_messages")
    with op.batch_alter_table("fine_statements", schema=None) as batch_op:
        batch_op.drop_column("language")
    with op.batch_alter_table("form_submissions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_form_submissions_status_code"), type_="unique")
        batch_op.drop_column("language")
        batch_op.drop_column("status_code")
