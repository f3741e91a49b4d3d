"""Emergency slots: appointments within APPOINTMENT_EMERGENCY_HOURS are offered to, and booked
by, citizens logged in with the eID at trust level substantial or high only; everybody else
sees the later times and a note why (both databases)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from server.appointments import booking as domain
from server.appointments.models import Appointment
from server.auth.models import Citizen
from server.db import utcnow
from server.extensions import db
from tests.checking_client import CheckingClient, checking_client, csrf_token
from tests.integration.accounts_helpers import text_of
from tests.integration.appointments.helpers import (
    Office,
    book,
    first_time,
    make_office,
    offered,
    times_page,
)

AUSWEIS = "Personalausweis beantragen"
NOTE = "Kurzfristige Termine nur mit Online-Ausweis"


def start_of(zeit: str) -> datetime:
    start = domain.moment_of(zeit.partition("@")[2])
    assert start is not None
    return start


def log_in(client: CheckingClient, app: Flask, level: str) -> None:
    with app.app_context(), db.transaction() as session:
        citizen = Citizen(
            given_name="Leonie", family_name="Weber", email=f"leonie-{level}@example.de"
        )
        session.add(citizen)
        session.flush()
        citizen_id = citizen.id
    with client.session_transaction() as browser_session:
        browser_session["citizen_id"] = citizen_id
        browser_session["trust_level"] = level


def earliest_offered(client: CheckingClient, office: Office) -> datetime:
    return start_of(offered(times_page(client, office, AUSWEIS))[0])


def test_short_notice_times_are_for_eid_logins_at_substantial_or_high(
    client: CheckingClient,
) -> None:
    app = client.application
    office = make_office(app)  # open around the clock: free times in the next hour
    window = utcnow() + timedelta(hours=int(app.config["APPOINTMENT_EMERGENCY_HOURS"]))

    # Anonymous: only later times, and why.
    page = times_page(client, office, AUSWEIS)
    assert NOTE in text_of(page)
    assert "Mit Online-Ausweis anmelden" in text_of(page)
    assert earliest_offered(client, office) > window

    # A password login proves no identity: the same.
    password = checking_client(app)
    log_in(password, app, "low")
    assert NOTE in text_of(times_page(password, office, AUSWEIS))
    assert earliest_offered(password, office) > window

    # The eID at substantial: the short-notice times too, no note; and booked at once.
    eid = checking_client(app)
    log_in(eid, app, "substantial")
    assert NOTE not in text_of(times_page(eid, office, AUSWEIS))
    soon = first_time(eid, office, AUSWEIS)
    assert start_of(soon) < window
    booked = book(eid, office, soon, AUSWEIS, email="leonie-substantial@example.de")
    assert booked.status_code == 303

    # A short-notice time sent anyway by someone else: refused, nothing typed lost, later
    # times offered.
    another = offered(times_page(eid, office, AUSWEIS))[0]
    assert start_of(another) < window
    refused = book(client, office, another, AUSWEIS, name="Max Muster", email="max@example.de")
    assert refused.status_code == 409
    assert "Diese Zeit ist jetzt ein Notfalltermin" in text_of(refused)
    assert 'value="max@example.de"' in refused.get_data(as_text=True)
    assert all(start_of(z) > window for z in offered(refused))
    assert len(domain_bookings(app)) == 1


def domain_bookings(app: Flask) -> list[Appointment]:
    with app.app_context():
        return list(db.session.scalars(select(Appointment)))


def test_moving_into_an_emergency_slot_needs_the_eid(client: CheckingClient) -> None:
    app = client.application
    office = make_office(app)
    window = utcnow() + timedelta(hours=int(app.config["APPOINTMENT_EMERGENCY_HOURS"]))
    password = client
    log_in(password, app, "low")
    zeit = first_time(password, office, AUSWEIS)
    assert book(password, office, zeit, AUSWEIS, email="leonie-low@example.de").status_code == 303
    [booking] = domain_bookings(app)
    number = booking.number
    page = client.get(f"/termine/termin/{number}/verschieben")
    assert all(start_of(z) > window for z in offered(page))
    eid = checking_client(app)
    log_in(eid, app, "high")
    soon = offered(times_page(eid, office, AUSWEIS))[0]
    moved = client.post(
        f"/termine/termin/{number}/verschieben", data={"csrf_token": csrf_token(page), "zeit": soon}
    )
    assert moved.status_code == 409
    assert "nur mit dem Online-Ausweis buchbar" in text_of(moved)


def test_the_rule_is_off_at_zero(client: CheckingClient) -> None:
    app = client.application
    app.config["APPOINTMENT_EMERGENCY_HOURS"] = 0
    office = make_office(app)
    page = times_page(client, office, AUSWEIS)
    assert NOTE not in text_of(page)
    assert earliest_offered(client, office) < utcnow() + timedelta(hours=2)


def test_a_time_offered_at_the_edge_of_the_window_stays_bookable_a_while(
    client: CheckingClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window moves on while the citizen fills in the details: the earliest time offered
    is still booked ten minutes later, not refused as short notice."""
    from server.appointments import emergency

    app = client.application
    office = make_office(app)
    zeit = first_time(client, office, AUSWEIS)
    later_now = utcnow() + timedelta(minutes=10)
    monkeypatch.setattr(emergency, "utcnow", lambda: later_now)
    assert book(client, office, zeit, AUSWEIS, email="rand@example.de").status_code == 303
