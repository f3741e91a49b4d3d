"""appointments: locations with counters, opening hours and closures; services; bookings and
one row per counter-slot taken (unique, so the database refuses a double booking); holders whose
rows serialise the limit of open appointments per address and account

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "appointment_holders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_holders")),
        sa.UniqueConstraint("key", name=op.f("uq_appointment_holders_key")),
    )
    op.create_table(
        "appointment_locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=140), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_locations")),
        sa.UniqueConstraint("name", name=op.f("uq_appointment_locations_name")),
    )
    op.create_table(
        "appointment_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=140), nullable=False),
        sa.Column("name_en", sa.String(length=140), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("bring", sa.Text(), nullable=False),
        sa.Column("bring_en", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "duration_minutes > 0", name=op.f("ck_appointment_services_positive_duration")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_services")),
        sa.UniqueConstraint("slug", name=op.f("uq_appointment_services_slug")),
    )
    op.create_table(
        "appointment_closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=140), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["appointment_locations.id"],
            name=op.f("fk_appointment_closures_location_id_appointment_locations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_closures")),
        sa.UniqueConstraint("location_id", "day", name=op.f("uq_appointment_closures_location_id")),
    )
    op.create_table(
        "appointment_counters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["appointment_locations.id"],
            name=op.f("fk_appointment_counters_location_id_appointment_locations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_counters")),
        sa.UniqueConstraint(
            "location_id", "name", name=op.f("uq_appointment_counters_location_id")
        ),
    )
    with op.batch_alter_table("appointment_counters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appointment_counters_location_id"), ["location_id"], unique=False
        )

    op.create_table(
        "appointment_location_services",
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["appointment_locations.id"],
            name=op.f("fk_appointment_location_services_location_id_appointment_locations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["appointment_services.id"],
            name=op.f("fk_appointment_location_services_service_id_appointment_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "location_id", "service_id", name=op.f("pk_appointment_location_services")
        ),
    )
    op.create_table(
        "appointment_opening_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("opens", sa.Time(), nullable=False),
        sa.Column("closes", sa.Time(), nullable=False),
        sa.CheckConstraint(
            "opens < closes", name=op.f("ck_appointment_opening_hours_opens_before_closing")
        ),
        sa.CheckConstraint(
            "weekday BETWEEN 0 AND 6", name=op.f("ck_appointment_opening_hours_known_weekday")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["appointment_locations.id"],
            name=op.f("fk_appointment_opening_hours_location_id_appointment_locations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_opening_hours")),
    )
    with op.batch_alter_table("appointment_opening_hours", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appointment_opening_hours_location_id"), ["location_id"], unique=False
        )

    op.create_table(
        "appointment_bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=140), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("confirm_token_hash", sa.String(length=64), nullable=True),
        sa.Column("manage_token_hash", sa.String(length=64), nullable=True),
        sa.Column("hold_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('held', 'confirmed', 'cancelled', 'expired')",
            name=op.f("ck_appointment_bookings_known_status"),
        ),
        sa.CheckConstraint("persons > 0", name=op.f("ck_appointment_bookings_positive_persons")),
        sa.CheckConstraint(
            "starts_at < ends_at", name=op.f("ck_appointment_bookings_starts_before_end")
        ),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
            name=op.f("fk_appointment_bookings_citizen_id_citizens"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["counter_id"],
            ["appointment_counters.id"],
            name=op.f("fk_appointment_bookings_counter_id_appointment_counters"),
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["appointment_locations.id"],
            name=op.f("fk_appointment_bookings_location_id_appointment_locations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_bookings")),
        sa.UniqueConstraint(
            "confirm_token_hash", name=op.f("uq_appointment_bookings_confirm_token_hash")
        ),
        sa.UniqueConstraint(
            "manage_token_hash", name=op.f("uq_appointment_bookings_manage_token_hash")
        ),
        sa.UniqueConstraint("number", name=op.f("uq_appointment_bookings_number")),
    )
    with op.batch_alter_table("appointment_bookings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appointment_bookings_citizen_id"), ["citizen_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_appointment_bookings_email"), ["email"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_appointment_bookings_starts_at"), ["starts_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_appointment_bookings_status"), ["status"], unique=False
        )

    op.create_table(
        "appointment_booking_services",
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["appointment_bookings.id"],
            name=op.f("fk_appointment_booking_services_booking_id_appointment_bookings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["appointment_services.id"],
            name=op.f("fk_appointment_booking_services_service_id_appointment_services"),
        ),
        sa.PrimaryKeyConstraint(
            "booking_id", "service_id", name=op.f("pk_appointment_booking_services")
        ),
    )
    op.create_table(
        "appointment_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["appointment_bookings.id"],
            name=op.f("fk_appointment_slots_booking_id_appointment_bookings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["counter_id"],
            ["appointment_counters.id"],
            name=op.f("fk_appointment_slots_counter_id_appointment_counters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_slots")),
        sa.UniqueConstraint(
            "counter_id", "starts_at", name=op.f("uq_appointment_slots_counter_id")
        ),
    )
    with op.batch_alter_table("appointment_slots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appointment_slots_booking_id"), ["booking_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("appointment_slots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appointment_slots_booking_id"))

    op.drop_table("appointment_slots")
    op.drop_table("appointment_booking_services")
    with op.batch_alter_table("appointment_bookings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appointment_bookings_status"))
        batch_op.drop_index(batch_op.f("ix_appointment_bookings_starts_at"))
        batch_op.drop_index(batch_op.f("ix_appointment_bookings_email"))
        batch_op.drop_index(batch_op.f("ix_appointment_bookings_citizen_id"))

    op.drop_table("appointment_bookings")
    with op.batch_alter_table("appointment_opening_hours", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appointment_opening_hours_location_id"))

    op.drop_table("appointment_opening_hours")
    op.drop_table("appointment_location_services")
    with op.batch_alter_table("appointment_counters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appointment_counters_location_id"))

    op.drop_table("appointment_counters")
    op.drop_table("appointment_closures")
    op.drop_table("appointment_services")
    op.drop_table("appointment_locations")
    op.drop_table("appointment_holders")
