"""`portal appointments purge` keeps what the privacy notice promises: a past appointment loses
its name and address after APPOINTMENT_KEEP_DAYS (the row stays for the statistics), a hold never
confirmed goes after APPOINTMENT_KEEP_UNCONFIRMED_DAYS, and an address nobody names any more is
forgotten; running it again changes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from server.appointments.models import Appointment, AppointmentStatus, Holder
from server.db import utcnow
from server.extensions import db
from tests.checking_client import CheckingClient
from tests.integration.appointments.helpers import book, first_time, make_office
from tests.integration.appointments.test_booking import AUSWEIS, bookings


def test_purge_forgets_names_and_lapsed_holds_as_the_notice_says(client: CheckingClient) -> None:
    app = client.application
    office = make_office(app)
    for email in ("alt@example.de", "verfallen@example.de", "neu@example.de"):
        zeit = first_time(client, office, AUSWEIS)
        assert book(client, office, zeit, AUSWEIS, email=email).status_code == 303
    old, lapsed, recent = bookings(app)
    now = utcnow()
    with app.app_context(), db.transaction() as session:
        session.execute(
            update(Appointment)
            .where(Appointment.id == old.id)
            .values(
                status=AppointmentStatus.CONFIRMED.value,
                starts_at=now - timedelta(days=200),
                ends_at=now - timedelta(days=200) + timedelta(minutes=20),
            )
        )
        session.execute(
            update(Appointment)
            .where(Appointment.id == lapsed.id)
            .values(status=AppointmentStatus.EXPIRED.value, created_at=now - timedelta(days=40))
        )

    result = app.test_cli_runner().invoke(args=["appointments", "purge"])
    assert result.exit_code == 0, result.output
    assert "1 appointment(s) made nameless, 1 lapsed hold(s) deleted" in result.output

    kept = {b.id: b for b in bookings(app)}
    assert lapsed.id not in kept
    assert (kept[old.id].name, kept[old.id].email) == ("", "")
    assert kept[old.id].manage_token_hash is None
    assert (kept[recent.id].name, kept[recent.id].email) == ("Erika Mustermann", "neu@example.de")
    with app.app_context():
        keys = set(db.session.scalars(select(Holder.key)))
    assert "email:neu@example.de" in keys
    assert not {"email:alt@example.de", "email:verfallen@example.de"} & keys

    again = app.test_cli_runner().invoke(args=["appointments", "purge"])
    assert "0 appointment(s) made nameless, 0 lapsed hold(s) deleted, 0 address(es)" in again.output
