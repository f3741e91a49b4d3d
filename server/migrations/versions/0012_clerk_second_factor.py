"""clerk second factor (TOTP, WebAuthn security keys)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25 02:34:32.337816
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing clerks have no row here: they enrol at their next login.
    op.create_table(
        "clerk_totp",
        sa.Column("clerk_id", sa.Integer(), nullable=False),
        sa.Column("sealed_secret", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["clerk_id"],
            ["clerks.id"],
            name=op.f("fk_clerk_totp_clerk_id_clerks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("clerk_id", name=op.f("pk_clerk_totp")),
    )
    op.create_table(
        "clerk_security_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clerk_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.LargeBinary(length=1023), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=2048), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["clerk_id"],
            ["clerks.id"],
            name=op.f("fk_clerk_security_keys_clerk_id_clerks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clerk_security_keys")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_clerk_security_keys_credential_id")),
    )
    with op.batch_alter_table("clerk_security_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_clerk_security_keys_clerk_id"), ["clerk_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("clerk_security_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clerk_security_keys_clerk_id"))
    op.drop_table("clerk_security_keys")
    op.drop_table("clerk_totp")
