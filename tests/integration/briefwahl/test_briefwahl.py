"""Briefwahl on both databases: an application while the election is open, the Wahlamt's
dispatch and what the voter sees; the deadline and a city without an election; the settings."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from server import formatting
from server.auth.roles import Role
from server.briefwahl import election
from server.config import ConfigurationError
from server.extensions import db
from server.formatting import city_day_start, city_now, city_today
from server.forms.models import FormSubmission
from server.mail.models import OutboxMail
from tests.checking_client import CheckingClient, checking_client, csrf_token, page_text
from tests.conftest import empty_all_tables, make_test_app
from tests.factories import make_clerk
from tests.integration.helpers import log_in_clerk

FORM = "/antraege/briefwahl"
INBOX = "/verwaltung/antraege/briefwahl/"
JSON = {"Accept": "application/json"}
IN_TEN_DAYS = city_today() + timedelta(days=10)


def election_app(backend: str, **settings: str) -> Iterator[Flask]:
    app = make_test_app(backend, **settings)
    yield app
    with app.app_context():
        db.engine.dispose()
    empty_all_tables(backend)


@pytest.fixture
def open_app(backend: str) -> Iterator[Flask]:
    yield from election_app(
        backend, ELECTION_NAME="Bundestagswahl 2029", ELECTION_DATE=IN_TEN_DAYS.isoformat()
    )


def answers(**changes: str) -> dict[str, Any]:
    sent = {
        "vorname": "Erika",
        "nachname": "Mustermann",
        "geburtsdatum": "1964-08-12",
        "strasse": "Heidestraße 17",
        "plz_ort": "51147 Köln",
        "wahlbezirk": "",
        "versand": "andere",
        "versandanschrift": "Erika Mustermann\nStrandweg 3\n18225 Kühlungsborn",
        "email": "erika@example.de",
        "versicherung": "ja",
    }
    sent.update(changes)
    return sent


def apply(client: CheckingClient, submission_id: str | None = None, **changes: str) -> Any:
    token = csrf_token(client.get("/"))
    return client.post(
        f"{FORM}/absenden",
        data={"submission_id": submission_id or str(uuid.uuid4()), **answers(**changes)},
        headers={**JSON, "X-CSRFToken": token},
    )


def inbox_url(app: Flask, reference: str) -> str:
    """The Wahlamt's page of the application with this Eingangsnummer."""
    with app.app_context():
        submission_id = db.session.scalar(
            select(FormSubmission.id).where(FormSubmission.reference == reference)
        )
    return f"{INBOX}{submission_id}"


def test_an_application_is_sent_and_the_dispatch_recorded(open_app: Flask) -> None:
    client = checking_client(open_app)
    first = page_text(client.get(f"{FORM}/person").get_data(as_text=True))
    deadline = IN_TEN_DAYS - timedelta(days=2)
    assert (
        f"Briefwahl zur Bundestagswahl 2029 am {IN_TEN_DAYS:%d.%m.%Y}. Sie können sie online "
        f"bis {deadline:%d.%m.%Y}, 18:00 Uhr beantragen." in first
    )
    missing = apply(client, versandanschrift="", versicherung="")
    assert missing.status_code == 422
    assert missing.get_json()["errors"] == {
        "versandanschrift": ["Geben Sie die Anschrift an, an die die Unterlagen gehen."],
        "versicherung": ["Bestätigen Sie, dass Sie den Wahlschein für sich selbst beantragen."],
    }
    sent = apply(client)
    assert sent.status_code == 200
    reference = sent.get_json()["reference"]
    assert reference.startswith("WS-")

    make_clerk(open_app, username="wahlamt", roles=[Role.ELECTION_OFFICE])
    clerk = checking_client(open_app)
    log_in_clerk(clerk, "wahlamt")
    listed = page_text(clerk.get(INBOX, query_string={"versand": "andere"}).get_data(as_text=True))
    assert reference in listed
    url = inbox_url(open_app, reference)
    detail = clerk.get(url)
    assert "Strandweg 3" in page_text(detail.get_data(as_text=True))
    future = (city_today() + timedelta(days=1)).isoformat()
    data = {"csrf_token": csrf_token(detail), "status": "versandt", "versandt-versanddatum": future}
    refused = clerk.post(url, data=data)
    assert refused.status_code == 422
    assert "Das Datum darf nicht in der Zukunft liegen." in page_text(
        refused.get_data(as_text=True)
    )
    data["versandt-versanddatum"] = city_today().isoformat()
    assert clerk.post(url, data=data).status_code == 302
    # Twice (a second tab): one status, one mail.
    again = clerk.post(url, data=data)
    assert again.status_code == 302

    seen = page_text(client.get(f"{FORM}/eingegangen/{reference}").get_data(as_text=True))
    assert "Versandt" in seen
    assert f"Versandt am: {city_today():%d.%m.%Y}" in seen
    with open_app.app_context():
        subjects = list(
            db.session.scalars(
                select(OutboxMail.subject).where(OutboxMail.recipient == "erika@example.de")
            )
        )
    assert sum("Versandt" in subject for subject in subjects) == 1, subjects


def test_after_midnight_in_the_city_the_dispatch_has_the_citys_date(
    open_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Half past midnight in the city is still the day before in UTC: the date the Wahlamt
    records is checked against the city's day, not the server's."""
    client = checking_client(open_app)
    reference = apply(client).get_json()["reference"]
    make_clerk(open_app, username="wahlamt", roles=[Role.ELECTION_OFFICE])
    clerk = checking_client(open_app)
    log_in_clerk(clerk, "wahlamt")
    tomorrow = city_today() + timedelta(days=1)
    just_after_midnight = city_day_start(tomorrow) + timedelta(minutes=30)
    monkeypatch.setattr(
        formatting, "city_now", lambda: just_after_midnight.astimezone(formatting.city_zone())
    )
    url = inbox_url(open_app, reference)
    data = {
        "csrf_token": csrf_token(clerk.get(url)),
        "status": "versandt",
        "versandt-versanddatum": tomorrow.isoformat(),
    }
    assert clerk.post(url, data=data).status_code == 302
    seen = page_text(client.get(f"{FORM}/eingegangen/{reference}").get_data(as_text=True))
    assert f"Versandt am: {tomorrow:%d.%m.%Y}" in seen


def test_after_the_deadline_nothing_is_sent_but_a_repeat_is_answered(backend: str) -> None:
    deadline = city_now() + timedelta(minutes=5)
    settings = {
        "ELECTION_NAME": "Landtagswahl",
        "ELECTION_DATE": (deadline.date() + timedelta(days=2)).isoformat(),
        "ELECTION_DEADLINE": deadline.strftime("%Y-%m-%dT%H:%M"),
    }
    for app in election_app(backend, **settings):
        client = checking_client(app)
        submission_id = str(uuid.uuid4())
        sent = apply(client, submission_id)
        assert sent.status_code == 200
        with app.app_context():
            app.config[election.CONFIG_KEY] = election.parse(
                {**settings, "ELECTION_DEADLINE": (deadline - timedelta(hours=1)).isoformat()[:16]}
            )
        # The repeat of what arrived in time (a phone that lost the answer) gets its answer.
        repeat = apply(client, submission_id)
        assert repeat.status_code == 200
        assert repeat.get_json()["reference"] == sent.get_json()["reference"]
        late = apply(client)
        assert late.status_code == 409
        assert late.get_json()["status"] == "closed"
        assert (
            "Die Frist für den Antrag auf Briefwahl zur Landtagswahl ist am"
            in (late.get_json()["message"])
        )
        page = client.get(f"{FORM}/person")
        assert page.status_code == 200
        text = page_text(page.get_data(as_text=True))
        assert "Derzeit nicht möglich" in text
        assert "bis zum Wahltag, 15 Uhr, im Wahlamt" in text
        assert "Vorname" not in text
        with app.app_context():
            count = len(list(db.session.scalars(select(FormSubmission.id))))
        assert count == 1


def test_without_an_election_the_service_says_so(client: CheckingClient) -> None:
    start = client.get(FORM)
    assert start.status_code == 200
    assert "Derzeit steht keine Wahl an, für die Sie Briefwahl beantragen können." in page_text(
        start.get_data(as_text=True)
    )
    english = client.get(f"{FORM}/person", headers={"Accept-Language": "en"})
    assert "There is no election" in page_text(english.get_data(as_text=True))


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"ELECTION_NAME": "Wahl"}, "ELECTION_DATE must be a date"),
        ({"ELECTION_NAME": "Wahl", "ELECTION_DATE": "2029-13-01"}, "ELECTION_DATE must be"),
        (
            {"ELECTION_NAME": "Wahl", "ELECTION_DATE": "2029-09-23", "ELECTION_DEADLINE": "bald"},
            "ELECTION_DEADLINE must be a date and time",
        ),
        (
            {
                "ELECTION_NAME": "Wahl",
                "ELECTION_DATE": "2029-09-23",
                "ELECTION_DEADLINE": "2029-09-24T10:00",
            },
            "after the election day",
        ),
    ],
)
def test_a_wrong_election_refuses_the_start(
    backend: str, settings: dict[str, str], problem: str
) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        make_test_app(backend, **settings)


def test_the_default_deadline_is_18_00_two_days_before(backend: str) -> None:
    parsed = election.parse({"ELECTION_NAME": "Wahl", "ELECTION_DATE": "2029-09-23"})
    assert parsed is not None
    # 18:00 in Berlin in summer time is 16:00 UTC.
    assert parsed.deadline == datetime.fromisoformat("2029-09-21T16:00:00+00:00")
