"""Bulky waste pickups: the last place of a pickup day, and the citizen's cancellation."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

import pytest
import requests
from sqlalchemy import func, select

from server.appointments.models import BookableDay
from server.formatting import city_today
from server.forms.models import FormStatusEvent, FormSubmission
from server.sperrmuell import rules
from tests.integration.concurrency.harness import (
    Browser,
    Portal,
    assert_race,
    csrf_of,
    portal_for,
    race,
)

FORM = "/antraege/sperrmuell"
JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def portal(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """Mitte's tour takes one pickup a day: every order for a day races for one place."""
    small = tmp_path_factory.mktemp("sperrmuell") / "sperrmuell.toml"
    small.write_text(
        rules.DEFAULT_FILE.read_text(encoding="utf-8").replace(
            "pickups_per_day = 12", "pickups_per_day = 1"
        ),
        encoding="utf-8",
    )
    with portal_for(backend, SPERRMUELL_FILE=str(small)) as live:
        yield live


def free_days(portal: Portal) -> list[date]:
    with portal.db() as session:
        table = rules.rules()
        district = table.district("mitte")
        assert district is not None
        taken = {
            day
            for day, count in session.execute(
                select(BookableDay.day, BookableDay.taken).where(
                    BookableDay.calendar == district.calendar
                )
            )
            if count
        }
        return [d for d in table.pickup_days(district, city_today()) if d not in taken]


def answers(day: date) -> dict[str, object]:
    return {
        "name": "Erika Mustermann",
        "strasse": "Heidestraße 17",
        "email": "erika@example.de",
        "gegenstaende": ["sofa"],
        "anzahl_sofa": "1",
        "abholtag": day.isoformat(),
        "zusage": "ja",
    }


def send(browser: Browser, token: str, day: date) -> requests.Response:
    return browser.post(
        f"{FORM}/absenden",
        data={"submission_id": uuid.uuid4().hex, **answers(day)},
        headers={**JSON, "X-CSRFToken": token},
    )


def test_last_place_of_a_pickup_day(portal: Portal) -> None:
    """N citizens send orders for the same day with one place left: one order is recorded,
    every other is told that the day is taken, with its answers kept (422, the day's field)."""
    day = free_days(portal)[0]
    tokens: dict[int, str] = {}

    def prepare(browser: Browser, index: int) -> None:
        tokens[index] = csrf_of(browser.page("/").text)

    replies = race(
        portal.browsers(), lambda browser, index: send(browser, tokens[index], day), prepare=prepare
    )
    with portal.db() as session:
        orders = session.scalar(
            select(func.count(FormSubmission.id)).where(
                FormSubmission.service == "sperrmuell",
                FormSubmission.answers["abholtag"].as_string() == day.isoformat(),
            )
        )
        taken = session.scalar(
            select(BookableDay.taken).where(
                BookableDay.calendar == "sperrmuell:mitte", BookableDay.day == day
            )
        )
    assert_race(
        replies,
        effects=int(orders or 0),
        what="orders for the last place",
        loser=lambda reply: (
            reply.status == 422
            and ("inzwischen ausgebucht" in reply.text or "angebotenen" in reply.text)
        ),
        winner=lambda reply: reply.status == 200 and '"reference"' in reply.text,
    )
    assert taken == 1


def test_withdraw(portal: Portal) -> None:
    """The citizen's cancellation sent from N devices at once (each opened the mail's link):
    one event, one place given back, and every device is told it is done."""
    day = free_days(portal)[0]
    first = portal.browser()
    sent = send(first, csrf_of(first.page("/").text), day)
    assert sent.status_code == 200, sent.text[:500]
    reference = sent.json()["reference"]
    page = f"{FORM}/eingegangen/{reference}/zurueckziehen"
    with portal.db() as session:
        code = session.scalar(
            select(FormSubmission.status_code).where(FormSubmission.reference == reference)
        )
    tokens: dict[int, str] = {}

    def prepare(browser: Browser, index: int) -> None:
        browser.page(f"/antraege/stand/{code}")  # the link in the mail: every device may see it
        tokens[index] = csrf_of(browser.page(page).text)

    replies = race(
        portal.browsers(),
        lambda browser, index: browser.post(page, data={"csrf_token": tokens[index]}),
        prepare=prepare,
    )
    with portal.db() as session:
        submission_id = session.scalar(
            select(FormSubmission.id).where(FormSubmission.reference == reference)
        )
        events = session.scalar(
            select(func.count(FormStatusEvent.id)).where(
                FormStatusEvent.submission_id == submission_id,
                FormStatusEvent.status == "storniert",
            )
        )
        taken = session.scalar(
            select(BookableDay.taken).where(
                BookableDay.calendar == "sperrmuell:mitte", BookableDay.day == day
            )
        )
    assert_race(replies, effects=int(events or 0), what="cancellations of one pickup")
    assert taken == 0
