"""Demo cases for `portal demo`: a dozen parking fines in different states, with letters."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from server.extensions import db
from server.fines.cases import create_case, find_offence, receivable_of, sync_offences
from server.fines.letters import write_letters
from server.fines.models import CaseKind, FineCase
from server.fines.offences_data import OFFENCES
from server.fines.uploads import accept_upload
from server.formatting import city_today, german_date, german_time
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
        letter_date = city_today() - timedelta(days=10 if late else index % 4)
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
    for case in created:
        photo = FileStorage(io.BytesIO(_evidence_photo(case)), filename="beweisfoto.png")
        accept_upload(case, photo, evidence=True)
    return write_letters(letters_dir, created)


def evidence_stamp(case: FineCase) -> str:
    """The camera's stamp on the photo: the Tatzeit in the city's time, and the place."""
    return f"{german_date(case.offence_at)} {german_time(case.offence_at)} {case.place}"


def _evidence_photo(case: FineCase) -> bytes:
    """A drawn stand-in for the enforcement officer's photo: street, car, plate, time."""
    image = Image.new("RGB", (960, 640), (170, 190, 210))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 380, 960, 640), fill=(90, 90, 95))
    draw.rectangle((0, 360, 960, 390), fill=(200, 200, 200))
    draw.rounded_rectangle((220, 250, 740, 470), radius=40, fill=(30, 70, 140))
    draw.rounded_rectangle((300, 180, 640, 280), radius=30, fill=(60, 100, 170))
    for x in (300, 660):
        draw.ellipse((x - 55, 420, x + 55, 530), fill=(20, 20, 20))
    draw.rectangle((380, 400, 580, 445), fill=(250, 250, 250), outline=(0, 0, 0), width=3)
    font = ImageFont.load_default(size=28)
    draw.text((392, 406), case.plate, fill=(0, 0, 0), font=font)
    stamp = evidence_stamp(case)
    draw.rectangle((0, 0, 960, 48), fill=(0, 0, 0))
    draw.text((16, 10), stamp, fill=(255, 255, 0), font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
