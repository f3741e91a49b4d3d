"""mail_outbox.failed_at and retried_at: a mail the mail server would not take within
MAIL_GIVE_UP_HOURS is marked failed (admins see it and may send it again) instead of being
dropped silently after a fixed number of attempts (issue 21)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNSENT = "sent_at IS NULL AND failed_at IS NULL"
#: The attempts after which the outbox gave up before this revision.
OLD_MAX_ATTEMPTS = 5


def upgrade() -> None:
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("retried_at", sa.DateTime(timezone=True), nullable=True))
    # What the old rule gave up on is failed now: admins see it and may send it again.
    op.execute(
        sa.text(
            "UPDATE mail_outbox SET failed_at = COALESCE(next_attempt_at, created_at) "
            "WHERE sent_at IS NULL AND attempts >= :attempts"
        ).bindparams(attempts=OLD_MAX_ATTEMPTS)
    )
    op.create_index(
        "ix_mail_outbox_unsent",
        "mail_outbox",
        ["next_attempt_at"],
        sqlite_where=sa.text(UNSENT),
        postgresql_where=sa.text(UNSENT),
    )
    op.create_index("ix_mail_outbox_failed_at", "mail_outbox", ["failed_at"])


def downgrade() -> None:
    op.drop_index("ix_mail_outbox_failed_at", table_name="mail_outbox")
    op.drop_index("ix_mail_outbox_unsent", table_name="mail_outbox")
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.drop_column("retried_at")
        batch_op.drop_column("failed_at")
