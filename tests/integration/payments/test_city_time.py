"""Times a person reads are the city's local time: the letter (a legal document) says the same
Tatzeit as the citizen's case page, also where UTC and the city disagree about the date."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pypdfium2
import pytest
from bs4 import BeautifulSoup
from flask import Flask
from sqlalchemy import update

from server.audit.log import AuditFilter, search
from server.audit.models import AuditEntry
from server.extensions import db
from server.fines.demo import evidence_stamp
from server.fines.models import FineCase
from server.payments.export import export_bookings
from server.payments.journal import book
from server.payments.models import Booking, BookingKind, BookingSource
from server.payments.receivables import create_receivable
from tests.checking_client import CheckingClient, checking_client, csrf_token
from tests.conftest import empty_all_tables, make_test_app
from tests.factories import make_clerk, make_fine_case
from tests.integration.helpers import log_in_clerk

# Offences just before midnight UTC, when it is already the next day in Berlin; both on the
# weekends the clocks change (29.03.2026: 02:00 CET becomes 03:00 CEST; 25.10.2026: 03:00 CEST
# becomes 02:00 CET), so winter and summer offsets are both exercised.
BERLIN = [
    (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), "Sonntag", date(2026, 3, 29), "00:30"),
    (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "Sonntag", date(2026, 3, 29), "03:30"),
    (datetime(2026, 10, 24, 22, 30, tzinfo=UTC), "Sonntag", date(2026, 10, 25), "00:30"),
    (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "Sonntag", date(2026, 10, 25), "02:30"),
]


def pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    return " ".join(" ".join(page.get_textpage().get_text_range() for page in document).split())


def page_fact(html: str, label: str) -> str:
    soup = BeautifulSoup(html, "lxml")
    key = soup.find("dt", string=label)
    assert key is not None, f"no {label!r} on the page"
    value = key.find_next_sibling("dd")
    assert value is not None
    return " ".join(value.get_text().split())


def tatzeit_on_page(client: CheckingClient, case: dict[str, str]) -> tuple[date, str]:
    """The Tatzeit as the case page shows it (Flask-Babel's short German format)."""
    assert client.get(f"/b/{case['token']}").status_code == 302
    page = client.get(f"/bussgeld/fall/{case['aktenzeichen']}")
    assert page.status_code == 200
    shown = page_fact(page.get_data(as_text=True), "Tatzeit")
    found = re.fullmatch(r"(\d\d)\.(\d\d)\.(\d\d), (\d\d:\d\d)", shown)
    assert found, shown
    day, month, year, clock = found.groups()
    return date(2000 + int(year), int(month), int(day)), clock


def tatzeit_in_letter(app: Flask, case: dict[str, str]) -> tuple[str, date, str]:
    """The Tatzeit as the letter prints it, the letter made as the fines office makes it."""
    clerk = checking_client(app)
    make_clerk(app, username="bussgeld")
    log_in_clerk(clerk, "bussgeld")
    page = clerk.get(f"/verwaltung/bussgeld/fall/{case['case_id']}")
    letter = clerk.post(
        f"/verwaltung/bussgeld/fall/{case['case_id']}/brief.pdf",
        data={"csrf_token": csrf_token(page)},
    )
    assert letter.mimetype == "application/pdf"
    text = pdf_text(letter.get_data())
    found = re.search(r"Tatzeit (\w+), (\d\d)\.(\d\d)\.(\d{4}), (\d\d:\d\d) Uhr", text)
    assert found, text
    weekday, day, month, year, clock = found.groups()
    return weekday, date(int(year), int(month), int(day)), clock


@pytest.mark.parametrize(("offence_at", "weekday", "day", "clock"), BERLIN)
def test_the_letter_and_the_case_page_say_the_same_tatzeit_in_city_time(
    client: CheckingClient, offence_at: datetime, weekday: str, day: date, clock: str
) -> None:
    app = client.application
    case = make_fine_case(app, offence_at=offence_at)

    assert tatzeit_on_page(client, case) == (day, clock)
    assert tatzeit_in_letter(app, case) == (weekday, day, clock)


def test_the_fines_office_page_shows_the_tatzeit_in_city_time(client: CheckingClient) -> None:
    app = client.application
    case = make_fine_case(app, offence_at=BERLIN[0][0])
    make_clerk(app, username="bussgeld")
    log_in_clerk(client, "bussgeld")
    page = client.get(f"/verwaltung/bussgeld/fall/{case['case_id']}")
    assert page_fact(page.get_data(as_text=True), "Tatzeit") == "29.03.26, 00:30"


def test_the_evidence_photo_stamp_is_in_city_time(app: Flask) -> None:
    case = make_fine_case(app, offence_at=BERLIN[0][0])
    with app.app_context():
        stored = db.session.query(FineCase).filter_by(aktenzeichen=case["aktenzeichen"]).one()
        assert evidence_stamp(stored) == "29.03.2026 00:30 Marktplatz 4"


@pytest.fixture
def new_york(backend: str) -> Iterator[Flask]:
    """The portal of a city that is not in Berlin's zone."""
    app = make_test_app(backend, CITY_TIMEZONE="America/New_York")
    yield app
    with app.app_context():
        db.engine.dispose()
    empty_all_tables(backend)


def test_another_city_time_zone_is_used_on_letters_and_pages(new_york: Flask) -> None:
    client = checking_client(new_york)
    # 02:30 UTC on 29.03.2026 is 22:30 of the day before in New York (EDT, UTC-4).
    case = make_fine_case(new_york, offence_at=datetime(2026, 3, 29, 2, 30, tzinfo=UTC))

    assert tatzeit_on_page(client, case) == (date(2026, 3, 28), "22:30")
    assert tatzeit_in_letter(new_york, case) == ("Samstag", date(2026, 3, 28), "22:30")


def _book_at(app: Flask, moments: list[datetime]) -> None:
    with app.app_context():
        created = create_receivable(
            purpose="test",
            amount_cents=2500 * len(moments),
            description="Verwarnungsgeld",
            debtor_name="Erika Mustermann",
            due_date=date(2026, 4, 10),
        )
        for index, moment in enumerate(moments):
            with db.transaction() as session:
                booking, _ = book(
                    session,
                    receivable=created.receivable,
                    kind=BookingKind.PAYMENT,
                    amount_cents=2500,
                    source=BookingSource.BANK,
                    source_ref=f"city-time-{index}",
                    note="",
                )
                session.execute(
                    update(Booking).where(Booking.id == booking.id).values(booked_at=moment)
                )


def test_the_day_export_takes_the_city_day_and_prints_city_time_with_offset(app: Flask) -> None:
    _book_at(
        app,
        [
            datetime(2026, 3, 27, 22, 59, tzinfo=UTC),  # 27.03. 23:59 in Berlin
            datetime(2026, 3, 28, 23, 30, tzinfo=UTC),  # 29.03. 00:30 CET
            datetime(2026, 3, 29, 21, 59, tzinfo=UTC),  # 29.03. 23:59 CEST
            datetime(2026, 3, 29, 22, 0, tzinfo=UTC),  # 30.03. 00:00 CEST
        ],
    )
    with app.app_context():
        exported = json.loads(export_bookings(date(2026, 3, 29), "json"))
        assert [row["booked_at"] for row in exported["bookings"]] == [
            "2026-03-29T00:30:00+01:00",
            "2026-03-29T23:59:00+02:00",
        ]
        for day, expected in (
            (date(2026, 3, 27), ["2026-03-27T23:59:00+01:00"]),
            (date(2026, 3, 28), []),
            (date(2026, 3, 30), ["2026-03-30T00:00:00+02:00"]),
        ):
            bookings = json.loads(export_bookings(day, "json"))["bookings"]
            assert [row["booked_at"] for row in bookings] == expected


def test_the_audit_log_filters_by_city_days(app: Flask) -> None:
    moments = [
        datetime(2026, 10, 24, 21, 59, tzinfo=UTC),  # 24.10. 23:59 CEST
        datetime(2026, 10, 24, 22, 0, tzinfo=UTC),  # 25.10. 00:00 CEST
        datetime(2026, 10, 25, 22, 59, tzinfo=UTC),  # 25.10. 23:59 CET (a 25-hour day)
        datetime(2026, 10, 25, 23, 0, tzinfo=UTC),  # 26.10. 00:00 CET
    ]
    with app.app_context():
        with db.transaction() as session:
            # The log is append-only: entries are written with their time, never moved.
            for number, moment in enumerate(moments):
                session.add(
                    AuditEntry(
                        at=moment,
                        actor="system",
                        action="test.city_time",
                        record_type="thing",
                        record_id=str(number),
                    )
                )
        day = date(2026, 10, 25)
        found = search(AuditFilter(action="test.city_time", day_from=day, day_to=day))
        assert sorted(entry.record_id for entry in found) == ["1", "2"]
