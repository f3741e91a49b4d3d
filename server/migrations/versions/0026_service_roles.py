"""the clerks' roles `public_works` (Baubetriebshof: the reported defects of the Mängelmelder)
, `election_office` (Wahlamt: applications for postal votes) and `traffic_office`
(Straßenverkehrsbehörde: resident parking permits) and `tax_office` (Steueramt: dog tax),
issue 20

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ROLES = (
    "fines",
    "registry_office",
    "cash_office",
    "youth_office",
    "citizen_office",
    "appointments",
    "admin",
)
NEW_ROLES = (
    *OLD_ROLES[:-1],
    "public_works",
    "election_office",
    "traffic_office",
    "tax_office",
    "admin",
)


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


def downgrade() -> None:
    op.execute(
        "DELETE FROM clerk_roles WHERE role IN ('public_works', 'election_office', "
        "'traffic_office', 'tax_office')"
    )
    _known_roles(OLD_ROLES)
