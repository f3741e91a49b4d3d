"""Keeping appointments no longer than the privacy notice says: an appointment's name and e-mail
address go `APPOINTMENT_KEEP_DAYS` after it (the row stays, nameless, for the statistics); one
never confirmed goes whole after `APPOINTMENT_KEEP_UNCONFIRMED_DAYS`; a holder row (the address
the limit of open appointments is counted under) goes with the last appointment that names it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, literal, select, update

from server.appointments.models import Appointment, AppointmentStatus, Holder
from server.db import utcnow
from server.extensions import db

PURGED_NAME = ""


@dataclass(frozen=True)
class Purged:
    anonymised: int
    deleted: int
    holders: int


def purge() -> Purged:
    """Idempotent and safe beside bookings: each step is one statement on rows no booking can
    still change (past appointments, lapsed holds)."""
    now = utcnow()
    keep = timedelta(days=int(current_app.config["APPOINTMENT_KEEP_DAYS"]))
    keep_unconfirmed = timedelta(days=int(current_app.config["APPOINTMENT_KEEP_UNCONFIRMED_DAYS"]))
    with db.transaction() as session:
        lapsed = list(
            session.scalars(
                select(Appointment).where(
                    Appointment.status == AppointmentStatus.EXPIRED.value,
                    Appointment.created_at < now - keep_unconfirmed,
                )
            )
        )
        for appointment in lapsed:
            session.delete(appointment)
        anonymised = session.execute(
            update(Appointment)
            .where(
                Appointment.starts_at < now - keep,
                Appointment.status != AppointmentStatus.HELD.value,
                Appointment.email != PURGED_NAME,
            )
            .values(
                name=PURGED_NAME,
                email=PURGED_NAME,
                citizen_id=None,
                confirm_token_hash=None,
                manage_token_hash=None,
            )
            .execution_options(synchronize_session=False)
        )
        still_named = select(literal("email:") + func.lower(Appointment.email)).where(
            Appointment.email != PURGED_NAME
        )
        holders = session.execute(
            delete(Holder)
            .where(Holder.key.like("email:%"), Holder.key.not_in(still_named))
            .execution_options(synchronize_session=False)
        )
    return Purged(
        anonymised=getattr(anonymised, "rowcount", 0) or 0,
        deleted=len(lapsed),
        holders=getattr(holders, "rowcount", 0) or 0,
    )
