"""Demo cases for `portal demo`: a dozen parking fines in different states, with letters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from server.extensions import db
from server.fines.cases import create_case, find_offence, receivable_of, sync_offences
from server.fines.letters import write_letters
from server.fines.models import CaseKind, FineCase
from server.fines.offences_data import OFFENCES
from server.payments.journal import book
from server.payments.models import BookingKind, BookingSource

HOLDERS = (
    ("Erika Mustermann", "Hauptstraße 5", "12345 Musterstadt", "MU-EM 123"),
    ("Max Müller", "Bahnhofstraße 12", "12345 Musterstadt", "MU-MM 4711"),
    ("Aylin Demir", "Am Markt 3", "12347 Musterstadt-Süd", "MU-AD 88"),
    ("Jonas Weiß", "Lindenallee 40", "12345 Musterstadt", "MU-JW 2024"),
)
PLACES = (
    "Marktplatz, vor Hausnummer 4",
    "Bahnhofstraße 18",
    "Parkplatz Stadthalle",
    "Schulstraße 2, Gehweg",
    "Rathausplatz, Feuerwehrzufahrt",
    "Lindenallee 7",
)


def seed_fine_cases(letters_dir: Path, count: int = 12) -> list[Path]:
    """Create the demo cases once (some paid, some late, some hearings) and write the letters
    of those that have none. Returns the letter files written now."""
    sync_offences()
    if db.session.scalar(select(func.count(FineCase.id))):
        return []
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    created = []
    for index in range(count):
        name, street, city, plate = HOLDERS[index % len(HOLDERS)]
        offence = find_offence(OFFENCES[index % len(OFFENCES)].number)
        assert offence is not None
        late = index % 6 == 5
        letter_date = date.today() - timedelta(days=10 if late else index % 4)
        created.append(
            create_case(
                offence=offence,
                kind=CaseKind.HEARING if index % 4 == 3 else CaseKind.WARNING,
                offence_at=now - timedelta(days=(12 if late else 2 + index % 3), hours=index),
                place=PLACES[index % len(PLACES)],
                plate=plate,
                holder_name=name,
                holder_street=street,
                holder_postcode_city=city,
                letter_date=letter_date,
                actor="demo",
            )
        )
    for case in created[::4][1:]:  # a few paid by bank transfer already
        receivable = receivable_of(case)
        assert receivable is not None
        with db.transaction() as session:
            book(
                session,
                receivable=receivable,
                kind=BookingKind.PAYMENT,
                amount_cents=receivable.amount_cents,
                source=BookingSource.BANK,
                source_ref=f"demo:{case.aktenzeichen}",
                note="Demo: Überweisung",
            )
    return write_letters(letters_dir, created)
