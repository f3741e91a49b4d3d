"""wallet transactions: one row per login with the EUDI wallet (OpenID4VP), its nonce and state
kept on the server with an expiry, each step taken once

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "wallet_transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("response_uri", sa.String(length=500), nullable=False),
        sa.Column("response_mode", sa.String(length=20), nullable=False),
        sa.Column("flow", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("encryption_key", sa.Text(), nullable=True),
        sa.Column("response_code_hash", sa.String(length=64), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("failure", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('created', 'requested', 'verified', 'failed', 'consumed')",
            name=op.f("ck_wallet_transactions_known_status"),
        ),
        sa.CheckConstraint(
            "flow IN ('same_device', 'cross_device')",
            name=op.f("ck_wallet_transactions_known_flow"),
        ),
        sa.CheckConstraint(
            "response_mode IN ('direct_post', 'direct_post.jwt')",
            name=op.f("ck_wallet_transactions_known_response_mode"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallet_transactions")),
        sa.UniqueConstraint("request_id", name=op.f("uq_wallet_transactions_request_id")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_wallet_transactions_secret_hash")),
        sa.UniqueConstraint("state", name=op.f("uq_wallet_transactions_state")),
    )
    with op.batch_alter_table("wallet_transactions", schema=None) as batch_op:
        batch_op.create_index("ix_wallet_transactions_expires_at", ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("wallet_transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_wallet_transactions_expires_at")
    op.drop_table("wallet_transactions")
