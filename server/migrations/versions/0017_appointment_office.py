"""appointment office: the clerks' role `appointments`; arrivals (one per booking) with waiting
numbers unique per location and day, and the last number given per location and day; a
service group per service, within which open appointments are limited

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ROLES = ("fines", "registry_office", "cash_office", "youth_office", "citizen_office", "admin")
NEW_ROLES = (*OLD_ROLES[:-1], "appointments", "admin")


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
        "appointment_waiting_numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["appointment_locations.id"],
            name=op.f("fk_appointment_waiting_numbers_location_id_appointment_locations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_waiting_numbers")),
        sa.UniqueConstraint(
            "location_id", "day", name=op.f("uq_appointment_waiting_numbers_location_id")
        ),
    )
    op.create_table(
        "appointment_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("waiting_number", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("called_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('waiting', 'called', 'done', 'no_show')",
            name=op.f("ck_appointment_visits_known_status"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["appointment_bookings.id"],
            name=op.f("fk_appointment_visits_booking_id_appointment_bookings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["counter_id"],
            ["appointment_counters.id"],
            name=op.f("fk_appointment_visits_counter_id_appointment_counters"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["appointment_locations.id"],
            name=op.f("fk_appointment_visits_location_id_appointment_locations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_visits")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_appointment_visits_booking_id")),
        sa.UniqueConstraint(
            "location_id",
            "day",
            "waiting_number",
            name=op.f("uq_appointment_visits_location_id"),
        ),
    )
    with op.batch_alter_table("appointment_visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appointment_visits_day"), ["day"], unique=False)

    with op.batch_alter_table("appointment_services", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "service_group",
                sa.String(length=40),
                server_default="allgemein",
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("appointment_services", schema=None) as batch_op:
        batch_op.drop_column("service_group")

    with op.batch_alter_table("appointment_visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appointment_visits_day"))

    op.drop_table("appointment_visits")
    op.drop_table("appointment_waiting_numbers")
    op.execute("DELETE FROM clerk_roles WHERE role = 'appointments'")
    _known_roles(OLD_ROLES)
