"""Sperrmüll-Abholung on both databases: the address decides the district and its days; the
volume decides the fee; a day's places are counted, the last one goes once; the citizen cancels
until noon the day before (place and fee back, once); a refusal gives both back too."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import delete, func, select, update

from server.appointments import day_slots
from server.appointments.models import BookableDay, DayBooking
from server.auth.roles import Role
from server.config import ConfigurationError
from server.extensions import db
from server.formatting import city_today
from server.forms.models import FormStatusEvent, FormSubmission
from server.mail.models import OutboxMail
from server.payments.models import Receivable, Refund
from server.sperrmuell import pickup, reminders, rules
from tests.checking_client import CheckingClient, checking_client, csrf_token, page_text
from tests.conftest import LiveServer, empty_all_tables, make_test_app
from tests.factories import make_clerk
from tests.integration.certificates.test_certificates import sandbox_pay
from tests.integration.helpers import log_in_clerk

FORM = "/antraege/sperrmuell"
INBOX = "/verwaltung/antraege/sperrmuell/"
ADDRESS = {"name": "Erika Mustermann", "strasse": "Heidestr. 17", "email": "erika@example.de"}
DEFAULT_RULES = rules.DEFAULT_FILE.read_text(encoding="utf-8")


def mitte_days(app: Flask) -> list[str]:
    with app.test_request_context():
        table = rules.rules()
        district = table.district("mitte")
        assert district is not None
        return [d.isoformat() for d in table.pickup_days(district, city_today())]


def text(response: object) -> str:
    return page_text(response.get_data(as_text=True))  # type: ignore[attr-defined]


def order(
    client: CheckingClient,
    items: dict[str, int],
    day: str,
    *,
    expect_step: int = 303,
) -> object:
    """Every step without JavaScript, then send; returns the answer to the send."""
    token = csrf_token(client.get(f"{FORM}/anschrift"))
    assert (
        client.post(f"{FORM}/anschrift", data={"csrf_token": token, **ADDRESS}).status_code == 303
    )
    chosen: dict[str, object] = {"csrf_token": token, "gegenstaende": list(items)}
    chosen.update({f"anzahl_{item}": str(count) for item, count in items.items()})
    assert client.post(f"{FORM}/gegenstaende", data=chosen).status_code == 303
    step = client.post(
        f"{FORM}/abholtag", data={"csrf_token": token, "abholtag": day, "zusage": "ja"}
    )
    assert step.status_code == expect_step, text(step)[:800]
    check = client.get(f"{FORM}/pruefen")
    submission_id = check.get_data(as_text=True).split('name="submission_id" value="')[1]
    return client.post(
        f"{FORM}/absenden",
        data={"csrf_token": csrf_token(check), "submission_id": submission_id.split('"')[0]},
    )


def the_submission(app: Flask) -> FormSubmission:
    with app.app_context():
        found = db.session.scalars(select(FormSubmission)).one()
        db.session.expunge(found)
        return found


def places_taken(app: Flask, day: str) -> int:
    with app.app_context():
        return int(
            db.session.scalar(
                select(func.coalesce(func.sum(BookableDay.taken), 0)).where(
                    BookableDay.calendar == "sperrmuell:mitte",
                    BookableDay.day == date.fromisoformat(day),
                )
            )
            or 0
        )


def depot(app: Flask) -> CheckingClient:
    make_clerk(app, username="baubetriebshof", roles=[Role.PUBLIC_WORKS])
    clerk = checking_client(app)
    log_in_clerk(clerk, "baubetriebshof")
    return clerk


def decide(clerk: CheckingClient, submission: FormSubmission, status: str, **inputs: str) -> int:
    url = f"{INBOX}{submission.id}"
    data = {"csrf_token": csrf_token(clerk.get(url)), "status": status}
    data.update({f"{status}-{name}": value for name, value in inputs.items()})
    return clerk.post(url, data=data).status_code


@pytest.fixture
def one_place_app(backend: str, tmp_path: Path) -> Iterator[Flask]:
    """Mitte's tour takes one pickup a day."""
    small = tmp_path / "sperrmuell.toml"
    small.write_text(
        DEFAULT_RULES.replace("pickups_per_day = 12", "pickups_per_day = 1"), encoding="utf-8"
    )
    app = make_test_app(backend, SPERRMUELL_FILE=str(small))
    yield app
    with app.app_context():
        db.engine.dispose()
    empty_all_tables(backend)


def test_the_address_decides_the_district_and_the_volume_the_fee(app: Flask) -> None:
    client = checking_client(app)
    token = csrf_token(client.get(f"{FORM}/anschrift"))
    refused = client.post(
        f"{FORM}/anschrift", data={"csrf_token": token, **ADDRESS, "strasse": "Feldweg 3"}
    )
    assert refused.status_code == 422
    assert "Für diese Anschrift finden wir keinen Abfuhrbezirk." in text(refused)
    assert (
        client.post(f"{FORM}/anschrift", data={"csrf_token": token, **ADDRESS}).status_code == 303
    )

    too_much = client.post(
        f"{FORM}/gegenstaende",
        data={
            "csrf_token": token,
            "gegenstaende": ["sofa", "schrank"],
            "anzahl_sofa": "4",
            "anzahl_schrank": "1",
        },
    )
    assert too_much.status_code == 422
    assert "Zusammen sind das etwa 9,5 m³; in eine Abholung passen höchstens 8 m³" in text(too_much)
    items = client.get(f"{FORM}/gegenstaende")
    assert "Sofa oder Couch (2 m³ je Stück)" in text(items)
    assert "Matratze (0,5 m³ je Stück)" in text(items)
    fitting = client.post(
        f"{FORM}/gegenstaende",
        data={
            "csrf_token": token,
            "gegenstaende": ["sofa", "matratze"],
            "anzahl_sofa": "2",
            "anzahl_matratze": "1",
        },
    )
    assert fitting.status_code == 303

    day_page = client.get(f"{FORM}/abholtag")
    shown = text(day_page)
    assert "Ihre Anschrift liegt im Abfuhrbezirk Mitte." in shown
    assert "Zusammen etwa 4,5 m³; 3 m³ sind gebührenfrei." in shown
    assert "Für 2 angefangene(n) m³ darüber kostet die Abholung 50,00 €." in shown
    offered = [
        value.split('"')[0]
        for value in day_page.get_data(as_text=True).split('<option value="')[2:]
    ]
    assert offered == mitte_days(app)
    assert offered
    assert all(date.fromisoformat(day).isoweekday() == 2 for day in offered)  # Tuesdays
    assert date.fromisoformat(offered[0]) >= city_today() + timedelta(days=3)
    # A day of another district (or none at all) is not taken.
    wrong = client.post(
        f"{FORM}/abholtag",
        data={"csrf_token": token, "abholtag": "2030-01-03", "zusage": "ja"},
    )
    assert "Wählen Sie eine der angebotenen Möglichkeiten." in text(wrong)


def test_a_free_pickup_goes_to_the_depot_and_is_told(app: Flask) -> None:
    client = checking_client(app)
    day = mitte_days(app)[0]
    sent = order(client, {"sofa": 1}, day)
    assert sent.status_code == 303  # type: ignore[attr-defined]
    submission = the_submission(app)
    assert submission.status == "eingegangen"  # 2 m³: nothing to pay
    assert places_taken(app, day) == 1
    clerk = depot(app)
    inbox = text(clerk.get(INBOX))
    assert str(submission.reference) in inbox
    # The tour's list: the pickups of one day.
    assert str(submission.reference) in text(
        clerk.get(f"{INBOX}?abholtag_von={day}&abholtag_bis={day}")
    )
    later = mitte_days(app)[1]
    assert str(submission.reference) not in text(clerk.get(f"{INBOX}?abholtag_von={later}"))
    assert decide(clerk, submission, "eingeplant") == 302
    assert decide(clerk, submission, "abgeholt") == 302
    page = text(client.get(f"{FORM}/eingegangen/{submission.reference}"))
    assert "Abgeholt" in page
    assert "Abholung stornieren" not in page  # ended: nothing to cancel
    with app.app_context():
        subjects = list(
            db.session.scalars(
                select(OutboxMail.subject).where(OutboxMail.recipient == "erika@example.de")
            )
        )
    assert len(subjects) == 3, subjects  # received, planned, picked up


def test_the_last_place_of_a_day_goes_once(one_place_app: Flask) -> None:
    app = one_place_app
    day = mitte_days(app)[0]
    first, second = checking_client(app), checking_client(app)
    # Both choose the day while it is free; the first sends.
    token = csrf_token(second.get(f"{FORM}/anschrift"))
    second.post(f"{FORM}/anschrift", data={"csrf_token": token, **ADDRESS})
    assert (
        second.post(
            f"{FORM}/gegenstaende",
            data={"csrf_token": token, "gegenstaende": ["stuhl"], "anzahl_stuhl": "2"},
        ).status_code
        == 303
    )
    chose = second.post(
        f"{FORM}/abholtag", data={"csrf_token": token, "abholtag": day, "zusage": "ja"}
    )
    assert chose.status_code == 303
    assert order(first, {"stuhl": 4}, day).status_code == 303  # type: ignore[attr-defined]
    assert places_taken(app, day) == 1

    # The day is gone from the list: the check page says so at the day and sends nothing,
    # every other answer kept. (Two sends at the same moment: tests/integration/concurrency.)
    check = text(second.get(f"{FORM}/pruefen"))
    assert "Noch nicht absendbar" in check
    assert "(Wählen Sie eine der angebotenen Möglichkeiten.)" in check
    assert "Stuhl (0,2 m³ je Stück)" in check
    page = second.get(f"{FORM}/abholtag").get_data(as_text=True)
    assert f'value="{day}"' not in page
    items = second.get(f"{FORM}/gegenstaende").get_data(as_text=True)
    assert "checked" in re.findall(r'<input[^>]*value="stuhl"[^>]*>', items)[0]
    with app.app_context():
        assert db.session.scalar(select(func.count(FormSubmission.id))) == 1


def test_the_citizen_cancels_once_and_the_place_comes_back(app: Flask) -> None:
    client = checking_client(app)
    day = mitte_days(app)[0]
    order(client, {"sofa": 1}, day)
    submission = the_submission(app)
    status_page = f"{FORM}/eingegangen/{submission.reference}"
    shown = text(client.get(status_page))
    assert "Abholung stornieren" in shown
    assert "Abholtag Dienstag, " in shown
    assert "Stornieren bis" in shown  # noon the day before
    ask = client.get(f"{status_page}/zurueckziehen")
    assert "Wollen Sie die Abholung wirklich stornieren?" in text(ask)
    token = csrf_token(ask)
    done = client.post(f"{status_page}/zurueckziehen", data={"csrf_token": token})
    assert done.status_code == 303
    again = client.post(
        f"{status_page}/zurueckziehen", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Schon erledigt: Storniert." in text(again)
    shown = text(client.get(status_page))
    assert "Storniert" in shown
    assert "Stornieren bis" not in shown  # no stale deadline
    assert places_taken(app, day) == 0
    with app.app_context():
        events = list(
            db.session.scalars(
                select(FormStatusEvent.actor).where(FormStatusEvent.status == "storniert")
            )
        )
        assert events == ["citizen"]
        assert db.session.scalar(select(func.count(DayBooking.id))) == 0
        received, cancelled = db.session.scalars(
            select(OutboxMail.body).order_by(OutboxMail.id)
        ).all()
    # The mails say the day and the deadline as of their writing; none after the cancellation.
    assert "Abholtag: Dienstag, " in received
    assert "Stornieren bis: " in received
    assert "Neuer Stand: Storniert." in cancelled
    assert "Abholtag" not in cancelled
    # Someone else's browser cannot cancel it.
    stranger = checking_client(app)
    assert "Abrufcode" in text(stranger.get(f"{status_page}/zurueckziehen"))


def test_no_cancelling_after_noon_the_day_before(app: Flask) -> None:
    client = checking_client(app)
    order(client, {"sofa": 1}, mitte_days(app)[0])
    submission = the_submission(app)
    tomorrow = (city_today() + timedelta(days=1)).isoformat()
    with app.app_context():
        answers = {**submission.answers, "abholtag": tomorrow}
        db.session.execute(
            update(FormSubmission).where(FormSubmission.id == submission.id).values(answers=answers)
        )
        db.session.commit()
    status_page = f"{FORM}/eingegangen/{submission.reference}"
    # Noon today has passed or not: tomorrow's pickup may be cancelled only until then.
    from server.formatting import city_now

    if city_now().hour >= 12:
        assert "Stornieren war bis" in text(client.get(status_page))
        token = csrf_token(client.get(status_page))
        refused = client.post(f"{status_page}/zurueckziehen", data={"csrf_token": token})
        assert refused.status_code == 409
        assert "Bitte rufen Sie den Baubetriebshof an" in text(refused)
    with app.app_context():
        db.session.execute(
            update(FormSubmission)
            .where(FormSubmission.id == submission.id)
            .values(answers={**answers, "abholtag": city_today().isoformat()})
        )
        db.session.commit()
    assert "Stornieren war bis" in text(client.get(status_page))
    token = csrf_token(client.get(status_page))
    refused = client.post(f"{status_page}/zurueckziehen", data={"csrf_token": token})
    assert refused.status_code == 409
    assert the_submission(app).status == "eingegangen"


def test_cancelling_a_paid_pickup_refunds_it_once(live_server: LiveServer) -> None:
    app = live_server.app
    app.extensions["sandbox_notifier"].synchronous = True
    browser = checking_client(app)
    day = mitte_days(app)[0]
    sent = order(browser, {"sofa": 2}, day)  # 4 m³: one started m³ above the free 3
    browser.get(sandbox_pay(live_server, str(sent.location), "PAYED"), follow_redirects=True)  # type: ignore[attr-defined]
    submission = the_submission(app)
    assert submission.status == "eingegangen"
    assert submission.fee_cents == 2500
    status_page = f"{FORM}/eingegangen/{submission.reference}"
    token = csrf_token(browser.get(f"{status_page}/zurueckziehen"))
    for _ in range(2):
        browser.post(f"{status_page}/zurueckziehen", data={"csrf_token": token})
    with app.app_context():
        refunds = db.session.scalars(select(Refund)).all()
        assert [(r.amount_cents, r.state) for r in refunds] == [(2500, "refunded")]
        receivable = db.session.scalars(select(Receivable)).one()
        assert receivable.closed_reason == "withdrawn"
    assert places_taken(app, day) == 0
    page = text(browser.get(status_page))
    assert "Storniert" in page
    assert "Was Sie bezahlt haben, erhalten Sie zurück" in page


def test_an_unpaid_pickup_can_be_cancelled_and_a_refusal_gives_back(
    live_server: LiveServer,
) -> None:
    app = live_server.app
    browser = checking_client(app)
    day = mitte_days(app)[0]
    order(browser, {"sofa": 2}, day)  # waits for its payment, holding the place
    submission = the_submission(app)
    assert submission.status == "zahlung-offen"
    assert places_taken(app, day) == 1
    status_page = f"{FORM}/eingegangen/{submission.reference}"
    token = csrf_token(browser.get(f"{status_page}/zurueckziehen"))
    assert (
        browser.post(f"{status_page}/zurueckziehen", data={"csrf_token": token}).status_code == 303
    )
    assert places_taken(app, day) == 0
    with app.app_context():
        receivable = db.session.scalars(select(Receivable)).one()
        assert receivable.closed_reason == "withdrawn"
        assert db.session.scalars(select(Refund)).all() == []
    page = text(browser.get(status_page))
    assert "Jetzt bezahlen" not in page

    # A refusal: the second order's place and fee go back.
    app.extensions["sandbox_notifier"].synchronous = True
    second = checking_client(app)
    sent = order(second, {"sofa": 2}, day)
    second.get(sandbox_pay(live_server, str(sent.location), "PAYED"), follow_redirects=True)  # type: ignore[attr-defined]
    with app.app_context():
        paid = db.session.scalars(
            select(FormSubmission).where(FormSubmission.status == "eingegangen")
        ).one()
    assert places_taken(app, day) == 1
    clerk = depot(app)
    assert decide(clerk, paid, "abgelehnt", grund="Die Straße ist gesperrt.") == 302
    assert places_taken(app, day) == 0
    with app.app_context():
        assert [r.amount_cents for r in db.session.scalars(select(Refund))] == [2500]
    assert "Die Straße ist gesperrt." in text(second.get(f"{FORM}/eingegangen/{paid.reference}"))


def test_wrong_rules_refuse_the_start(backend: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="volumes: missing sofa"):
        rules.parse(DEFAULT_RULES.replace("sofa = 2.0", ""))
    with pytest.raises(ValueError, match="district mitte: weekdays"):
        rules.parse(DEFAULT_RULES.replace("weekdays = [2]", "weekdays = [9]"))
    with pytest.raises(ValueError, match="max_volume"):
        rules.parse(DEFAULT_RULES.replace("max_volume = 8.0", "max_volume = 1.0"))
    with pytest.raises(ConfigurationError, match="SPERRMUELL_FILE"):
        make_test_app(backend, SPERRMUELL_FILE=str(tmp_path / "missing.toml"))


def test_an_order_left_unpaid_is_cancelled_at_its_deadline(app: Flask) -> None:
    client = checking_client(app)
    day = mitte_days(app)[0]
    order(client, {"sofa": 2}, day)  # 4 m³: waits for its payment
    submission = the_submission(app)
    assert submission.status == "zahlung-offen"
    with app.test_request_context():
        assert pickup.end_unpaid() == {"cancelled": 0}  # still time to pay
        db.session.execute(
            update(FormSubmission)
            .where(FormSubmission.id == submission.id)
            .values(answers={**submission.answers, "abholtag": city_today().isoformat()})
        )
        db.session.commit()
        assert pickup.end_unpaid() == {"cancelled": 1}
        assert pickup.end_unpaid() == {"cancelled": 0}
        actors = db.session.scalars(
            select(FormStatusEvent.actor).where(FormStatusEvent.status == "storniert")
        ).all()
        receivable = db.session.scalars(select(Receivable)).one()
        subjects = db.session.scalars(select(OutboxMail.subject)).all()
    assert actors == ["system"]
    assert receivable.closed_reason == "withdrawn"
    assert places_taken(app, day) == 0
    assert any("Storniert" in subject for subject in subjects), subjects
    page = text(client.get(f"{FORM}/eingegangen/{submission.reference}"))
    assert "Storniert" in page
    assert "Jetzt bezahlen" not in page
    assert "Abholtag" not in page  # no pickup will come


def test_english_pages_say_the_day_and_the_deadline_in_english(app: Flask) -> None:
    client = checking_client(app)
    order(client, {"sofa": 1}, mitte_days(app)[0])
    submission = the_submission(app)
    client.set_cookie("lang", "en")
    page = text(
        client.get(f"{FORM}/eingegangen/{submission.reference}", headers={"Accept-Language": "en"})
    )
    assert "Pickup day Tuesday, " in page
    assert "Cancel until" in page
    assert "Uhr" not in page


def test_a_place_taken_between_check_and_send_refuses_with_answers_kept(
    one_place_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The moment two sends race: the day still looked free to the second (its check ran before
    the first committed), the database's count refuses it, and the citizen picks again."""
    app = one_place_app
    day = mitte_days(app)[0]
    assert order(checking_client(app), {"stuhl": 1}, day).status_code == 303  # type: ignore[attr-defined]
    monkeypatch.setattr(day_slots, "taken_on", lambda _calendar, _days: {})  # the stale view
    late = order(checking_client(app), {"stuhl": 2}, day)
    assert late.status_code == 422  # type: ignore[attr-defined]
    shown = text(late)
    assert "ist inzwischen ausgebucht. Bitte wählen Sie einen anderen Tag." in shown
    assert places_taken(app, day) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(FormSubmission.id))) == 1


def test_the_depot_sees_each_districts_days_with_their_places(app: Flask) -> None:
    day = mitte_days(app)[0]
    order(checking_client(app), {"sofa": 1}, day)
    clerk = depot(app)
    overview = text(clerk.get("/verwaltung/"))
    assert "Sperrmüll: Abholungen morgen" in overview
    page = clerk.get("/verwaltung/sperrmuell/abholtage")
    assert page.status_code == 200
    shown = text(page)
    assert "Abfuhrbezirk Mitte: 12 Abholungen je Tag" in shown
    assert "Abfuhrbezirk Nord: 10 Abholungen je Tag" in shown
    html = page.get_data(as_text=True)
    assert f"abholtag_von={day}&amp;abholtag_bis={day}" in html  # the day's orders
    with app.test_request_context():
        taken = dict(pickup.days_ahead()[0][1])
    assert taken[date.fromisoformat(day)] == 1
    # Only the depot.
    make_clerk(app, username="kasse", roles=[Role.CASH_OFFICE])
    other = checking_client(app)
    log_in_clerk(other, "kasse")
    assert other.get("/verwaltung/sperrmuell/abholtage").status_code == 403


def test_the_day_before_the_citizen_is_reminded_once(app: Flask) -> None:
    client = checking_client(app)
    day = mitte_days(app)[0]
    order(client, {"sofa": 1}, day)
    submission = the_submission(app)
    the_day_before = datetime.combine(
        date.fromisoformat(day) - timedelta(days=1), time(16, 0), tzinfo=UTC
    )
    with app.test_request_context():
        assert reminders.send_reminders(the_day_before - timedelta(days=2)) == 0  # not yet
        assert reminders.send_reminders(the_day_before) == 1
        assert reminders.send_reminders(the_day_before) == 0  # once
        mail = db.session.scalars(
            select(OutboxMail).where(OutboxMail.subject.like("Erinnerung:%"))
        ).one()
    assert mail.recipient == "erika@example.de"
    assert f"Erinnerung: Sperrmüll-Abholung {submission.reference} morgen" == mail.subject
    assert "morgen, Dienstag, " in mail.body
    assert "bis 6 Uhr an den Straßenrand" in mail.body
    # A cancelled pickup is not reminded of.
    with app.test_request_context():
        db.session.execute(delete(OutboxMail))
        db.session.execute(
            update(FormSubmission)
            .where(FormSubmission.id == submission.id)
            .values(status="storniert")
        )
        db.session.commit()
        assert reminders.send_reminders(the_day_before) == 0
