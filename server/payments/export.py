"""The day's bookings for the city's finance system: the same day always gives the same file."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from server.csv_safe import write_csv
from server.extensions import db
from server.formatting import city_day_bounds, local_iso
from server.payments.models import Booking, Receivable
from server.payments.money import decimal_string

COLUMNS = (
    "booking_id",
    "booked_at",
    "kassenzeichen",
    "rf_reference",
    "purpose",
    "purpose_ref",
    "kind",
    "amount",
    "currency",
    "source",
    "source_ref",
    "counterparty_name",
    "counterparty_iban",
    "note",
)


def bookings_of_day(day: date) -> list[dict[str, str]]:
    """Every booking made on ``day`` (the city's local day), oldest first; ``booked_at`` in
    the city's time with its offset (ISO 8601), so it reads as the day it belongs to."""
    # Stored in UTC (SQLite keeps no offset), so the local day is asked for in UTC.
    start, end = city_day_bounds(day)
    rows = db.session.execute(
        select(Booking, Receivable)
        .join(Receivable)
        .where(Booking.booked_at >= start, Booking.booked_at < end)
        .order_by(Booking.id)
    ).all()
    return [
        {
            "booking_id": str(booking.id),
            "booked_at": local_iso(booking.booked_at),
            "kassenzeichen": receivable.kassenzeichen,
            "rf_reference": receivable.rf_reference,
            "purpose": receivable.purpose,
            "purpose_ref": receivable.purpose_ref or "",
            "kind": booking.kind,
            "amount": decimal_string(booking.amount_cents),
            "currency": receivable.currency,
            "source": booking.source,
            "source_ref": booking.source_ref,
            "counterparty_name": booking.counterparty_name or "",
            "counterparty_iban": booking.counterparty_iban or "",
            "note": booking.note or "",
        }
        for booking, receivable in rows
    ]


def export_bookings(day: date, output: str) -> str:
    rows = bookings_of_day(day)
    if output == "json":
        return (
            json.dumps({"date": day.isoformat(), "bookings": rows}, ensure_ascii=False, indent=1)
            + "\n"
        )
    # Names and texts come from outside (a debtor's name on a bank transfer): neutralised.
    return write_csv(COLUMNS, rows)
