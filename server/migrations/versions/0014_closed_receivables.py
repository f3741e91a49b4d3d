"""decisions reach the money: closed receivables, cancellation bookings, new clarification
reasons, one refund per clarification or request, one forwarded case per case, letters counted,
one evidence photo per case, mails that go once

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 07:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = "'payment', 'refund', 'reversal', 'write_off'"
NEW_KINDS = f"{OLD_KINDS}, 'cancellation'"
OLD_REASONS = (
    "'unknown_reference', 'partial_payment', 'overpayment', 'duplicate_payment', 'returned_debit'"
)
NEW_REASONS = f"{OLD_REASONS}, 'payment_on_closed', 'amount_mismatch'"
CLOSING_REASONS = "'discontinued', 'forwarded', 'replaced', 'rejected', 'withdrawn'"


def _replace_check(table: str, name: str, condition: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(f"ck_{table}_{name}"), type_="check")
        batch_op.create_check_constraint(batch_op.f(f"ck_{table}_{name}"), condition)


def upgrade() -> None:
    with op.batch_alter_table("receivables", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("closed_reason", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("closed_note", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("closed_by", sa.String(length=64), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f("ck_receivables_known_closed_reason"),
            f"closed_reason IS NULL OR closed_reason IN ({CLOSING_REASONS})",
        )
    _replace_check("bookings", "known_kind", f"kind IN ({NEW_KINDS})")
    _replace_check("clarifications", "known_reason", f"reason IN ({NEW_REASONS})")
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_key", sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint("one_refund_per_clarification", ["clarification_id"])
        batch_op.create_unique_constraint("one_refund_per_request", ["request_key"])
    with op.batch_alter_table("fine_cases", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_fine_cases_forwarded_from_id"), ["forwarded_from_id"]
        )
        batch_op.add_column(
            sa.Column("letters_issued", sa.Integer(), server_default="0", nullable=False)
        )
    op.execute("UPDATE fine_cases SET letters_issued = 1 WHERE letter_issued_at IS NOT NULL")
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dedupe_key", sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_mail_outbox_dedupe_key"), ["dedupe_key"])
    op.create_index(
        "one_evidence_photo_per_case",
        "fine_uploads",
        ["case_id", "sha256"],
        unique=True,
        sqlite_where=sa.text("evidence"),
        postgresql_where=sa.text("evidence"),
    )


def downgrade() -> None:
    op.drop_index("one_evidence_photo_per_case", table_name="fine_uploads")
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_mail_outbox_dedupe_key"), type_="unique")
        batch_op.drop_column("dedupe_key")
    with op.batch_alter_table("fine_cases", schema=None) as batch_op:
        batch_op.drop_column("letters_issued")
        batch_op.drop_constraint(batch_op.f("uq_fine_cases_forwarded_from_id"), type_="unique")
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_constraint("one_refund_per_request", type_="unique")
        batch_op.drop_constraint("one_refund_per_clarification", type_="unique")
        batch_op.drop_column("request_key")
    _replace_check("clarifications", "known_reason", f"reason IN ({OLD_REASONS})")
    _replace_check("bookings", "known_kind", f"kind IN ({OLD_KINDS})")
    with op.batch_alter_table("receivables", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_receivables_known_closed_reason"), type_="check")
        batch_op.drop_column("closed_by")
        batch_op.drop_column("closed_note")
        batch_op.drop_column("closed_reason")
        batch_op.drop_column("closed_at")
