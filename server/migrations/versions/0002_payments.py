"""payments: receivables, journal, online payments, statements, refunds, sandbox

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 00:30:37.860333
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payment_sequences",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_payment_sequences")),
    )
    op.create_table(
        "receivables",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kassenzeichen", sa.String(length=35), nullable=False),
        sa.Column("rf_reference", sa.String(length=25), nullable=False),
        sa.Column("access_token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("purpose_ref", sa.String(length=64), nullable=True),
        sa.Column("description", sa.String(length=140), nullable=False),
        sa.Column("debtor_name", sa.String(length=140), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_receivables_positive_amount")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receivables")),
        sa.UniqueConstraint("access_token_hash", name=op.f("uq_receivables_access_token_hash")),
        sa.UniqueConstraint("kassenzeichen", name=op.f("uq_receivables_kassenzeichen")),
        sa.UniqueConstraint("rf_reference", name=op.f("uq_receivables_rf_reference")),
    )
    with op.batch_alter_table("receivables", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_receivables_purpose"), ["purpose"], unique=False)

    op.create_table(
        "sandbox_transactions",
        sa.Column("transaction_id", sa.String(length=44), nullable=False),
        sa.Column("originator_id", sa.String(length=36), nullable=False),
        sa.Column("endpoint_id", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("request_json", sa.Text(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("payment_method", sa.String(length=20), nullable=True),
        sa.Column("payment_method_detail", sa.String(length=40), nullable=True),
        sa.Column("refunded_cents", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("transaction_id", name=op.f("pk_sandbox_transactions")),
        sa.UniqueConstraint("originator_id", "endpoint_id", "request_id", name="one_per_request"),
    )
    op.create_table(
        "statement_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_iban", sa.String(length=34), nullable=False),
        sa.Column("statement_id", sa.String(length=100), nullable=False),
        sa.Column("source_format", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=True),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.Column("clarifications", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_imports")),
        sa.UniqueConstraint("account_iban", "statement_id", name="one_import_per_statement"),
    )
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receivable_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_ref", sa.String(length=200), nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("booked_by", sa.String(length=64), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("counterparty_name", sa.String(length=140), nullable=True),
        sa.Column("counterparty_iban", sa.String(length=34), nullable=True),
        sa.CheckConstraint(
            "kind IN ('payment', 'refund', 'reversal', 'write_off')",
            name=op.f("ck_bookings_known_kind"),
        ),
        sa.CheckConstraint(
            "source IN ('provider', 'bank', 'clerk')", name=op.f("ck_bookings_known_source")
        ),
        sa.CheckConstraint("amount_cents <> 0", name=op.f("ck_bookings_nonzero_amount")),
        sa.ForeignKeyConstraint(
            ["receivable_id"],
            ["receivables.id"],
            name=op.f("fk_bookings_receivable_id_receivables"),
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"], ["bookings.id"], name=op.f("fk_bookings_reverses_id_bookings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("source", "source_ref", name="one_booking_per_source_event"),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bookings_receivable_id"), ["receivable_id"], unique=False
        )

    op.create_table(
        "clarifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("source_ref", sa.String(length=200), nullable=False),
        sa.Column("statement_import_id", sa.Integer(), nullable=True),
        sa.Column("receivable_id", sa.Integer(), nullable=True),
        sa.Column("suggested_receivable_id", sa.Integer(), nullable=True),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("credit", sa.Boolean(), nullable=False),
        sa.Column("booking_date", sa.Date(), nullable=True),
        sa.Column("debtor_name", sa.String(length=140), nullable=True),
        sa.Column("debtor_iban", sa.String(length=34), nullable=True),
        sa.Column("remittance", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.Column("resolution_note", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "reason IN ('unknown_reference', 'partial_payment', 'overpayment', 'duplicate_payment', 'returned_debit')",
            name=op.f("ck_clarifications_known_reason"),
        ),
        sa.CheckConstraint(
            "state IN ('open', 'assigned', 'refunded', 'written_off', 'accepted')",
            name=op.f("ck_clarifications_known_state"),
        ),
        sa.ForeignKeyConstraint(
            ["receivable_id"],
            ["receivables.id"],
            name=op.f("fk_clarifications_receivable_id_receivables"),
        ),
        sa.ForeignKeyConstraint(
            ["statement_import_id"],
            ["statement_imports.id"],
            name=op.f("fk_clarifications_statement_import_id_statement_imports"),
        ),
        sa.ForeignKeyConstraint(
            ["suggested_receivable_id"],
            ["receivables.id"],
            name=op.f("fk_clarifications_suggested_receivable_id_receivables"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clarifications")),
        sa.UniqueConstraint("source_ref", name="one_clarification_per_transaction"),
    )
    op.create_table(
        "online_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("receivable_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("provider_payment_id", sa.String(length=100), nullable=True),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('created', 'pending', 'paid', 'failed', 'cancelled')",
            name=op.f("ck_online_payments_known_state"),
        ),
        sa.ForeignKeyConstraint(
            ["receivable_id"],
            ["receivables.id"],
            name=op.f("fk_online_payments_receivable_id_receivables"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_online_payments")),
        sa.UniqueConstraint("provider", "provider_payment_id", name="one_row_per_provider_payment"),
        sa.UniqueConstraint("request_id", name=op.f("uq_online_payments_request_id")),
    )
    with op.batch_alter_table("online_payments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_online_payments_receivable_id"), ["receivable_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_online_payments_state"), ["state"], unique=False)

    op.create_table(
        "refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receivable_id", sa.Integer(), nullable=True),
        sa.Column("clarification_id", sa.Integer(), nullable=True),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("creditor_name", sa.String(length=140), nullable=True),
        sa.Column("creditor_iban", sa.String(length=34), nullable=True),
        sa.Column("reference", sa.String(length=140), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=True),
        sa.Column("provider_refund_id", sa.String(length=100), nullable=True),
        sa.Column("export_file", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "state IN ('requested', 'exported', 'refunded')", name=op.f("ck_refunds_known_state")
        ),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_refunds_positive_amount")),
        sa.ForeignKeyConstraint(
            ["clarification_id"],
            ["clarifications.id"],
            name=op.f("fk_refunds_clarification_id_clarifications"),
        ),
        sa.ForeignKeyConstraint(
            ["receivable_id"], ["receivables.id"], name=op.f("fk_refunds_receivable_id_receivables")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds")),
    )
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_refunds_receivable_id"), ["receivable_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refunds_receivable_id"))

    op.drop_table("refunds")
    with op.batch_alter_table("online_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_online_payments_state"))
        batch_op.drop_index(batch_op.f("ix_online_payments_receivable_id"))

    op.drop_table("online_payments")
    op.drop_table("clarifications")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bookings_receivable_id"))

    op.drop_table("bookings")
    op.drop_table("statement_imports")
    op.drop_table("sandbox_transactions")
    with op.batch_alter_table("receivables", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_receivables_purpose"))

    op.drop_table("receivables")
    op.drop_table("payment_sequences")
