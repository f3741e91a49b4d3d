"""`portal appointments remind` on both databases: each confirmed appointment of tomorrow gets
one reminder, however often and however many instances run it at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select, update

from server.appointments.models import Appointment
from server.appointments.office_mail import send_reminders
from server.extensions import db
from server.mail.models import OutboxMail
from tests.integration.accounts_helpers import mails_to
from tests.integration.appointments.helpers import make_office
from tests.integration.appointments.office_helpers import at, booked, today
from tests.threads import Wait, together


def reminders(app: Flask) -> list[OutboxMail]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(OutboxMail)
                .where(OutboxMail.subject.startswith("Erinnerung"))
                .order_by(OutboxMail.id)
            )
        )


def test_the_command_reminds_tomorrows_confirmed_appointments_once(app: Flask) -> None:
    office = make_office(app, counters=2)
    tomorrow = today() + timedelta(days=1)
    number = booked(app, office, tomorrow, 9, email="erika@example.de")
    booked(app, office, tomorrow, 10, email="held@example.de", confirmed=False)
    booked(app, office, tomorrow + timedelta(days=1), 9, email="later@example.de")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["appointments", "remind"])
    assert first.exit_code == 0, first.output
    assert "1 reminder(s) queued." in first.output
    second = runner.invoke(args=["appointments", "remind"])
    assert "0 reminder(s) queued." in second.output
    [mail] = reminders(app)
    assert mail.recipient == "erika@example.de"
    assert mail.subject == f"Erinnerung: Ihr Termin {number} morgen"
    assert "wir erinnern Sie an Ihren Termin morgen." in mail.body
    assert "09:00 Uhr" in mail.body  # city time
    assert f"/termine/termin/{number}" in mail.body
    assert not [m for m in mails_to(app, "held@example.de") if m.subject.startswith("Erinnerung")]

    # Moved to another time tomorrow: reminded of the new time once more.
    with app.app_context(), db.transaction() as session:
        session.execute(
            update(Appointment)
            .where(Appointment.number == number)
            .values(starts_at=at(tomorrow, 11), ends_at=at(tomorrow, 11, 20))
        )
    assert runner.invoke(args=["appointments", "remind"]).output.startswith("1 reminder")
    assert len(reminders(app)) == 2


def test_parallel_runs_queue_each_reminder_once(app: Flask) -> None:
    office = make_office(app, counters=3)
    tomorrow = today() + timedelta(days=1)
    for hour in (8, 9, 10):
        for n in range(3):
            booked(app, office, tomorrow, hour, email=f"person{hour}{n}@example.de")

    def run(wait: Wait) -> int:
        with app.test_request_context("/"):
            try:
                wait()
                return send_reminders()
            finally:
                db.session.close()

    runs: list[Callable[[Wait], int]] = [run] * 4
    assert sum(together(runs)) == 9
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(func.distinct(OutboxMail.dedupe_key))).where(
                    OutboxMail.subject.startswith("Erinnerung")
                )
            )
            == 9
        )
    assert len(reminders(app)) == 9
