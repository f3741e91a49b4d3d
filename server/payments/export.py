"""The day's bookings for the city's finance system: the same day always gives the same file."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from server.db import as_utc
from server.extensions import db
from server.payments.models import Booking, Receivable
from server.payments.money import decimal_string

CITY_TIME = ZoneInfo("Europe/Berlin")
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


def _local(moment: datetime) -> str:
    return as_utc(moment).astimezone(CITY_TIME).isoformat(timespec="seconds")


def bookings_of_day(day: date) -> list[dict[str, str]]:
    """Every booking made on ``day`` (the city's local day), oldest first."""
    # Stored in UTC (SQLite keeps no offset), so the local day is asked for in UTC.
    start = datetime.combine(day, time.min, CITY_TIME).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time.min, CITY_TIME).astimezone(UTC)
    rows = db.session.execute(
        select(Booking, Receivable)
        .join(Receivable)
        .where(Booking.booked_at >= start, Booking.booked_at < end)
        .order_by(Booking.id)
    ).all()
    return [
        {
            "booking_id": str(booking.id),
            "booked_at": _local(booking.booked_at),
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
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
