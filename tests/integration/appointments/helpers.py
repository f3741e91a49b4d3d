"""Offices for the appointment tests, and walking a browser through the booking's steps."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time, timedelta
from urllib.parse import urlencode

import altcha
from bs4 import BeautifulSoup
from flask import Flask
from lxml import etree
from lxml import html as lxml_html
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from server.appointments.booking import moment_of
from server.appointments.models import Counter, Location, OpeningHours, Service
from server.extensions import db
from tests.checking_client import CheckingClient, csrf_token

EVERY_DAY = tuple(range(7))


@dataclass(frozen=True)
class Office:
    location_id: int
    service_ids: dict[str, int]


def make_office(
    app: Flask,
    *,
    name: str = "Bürgerbüro Mitte",
    counters: int = 1,
    opens: time = time(0),
    closes: time = time(23, 50),
    services: tuple[tuple[str, int, str], ...] = (
        ("Personalausweis beantragen", 20, "Biometrisches Passfoto\nAlter Ausweis"),
        ("Wohnsitz anmelden", 15, "Wohnungsgeberbestätigung\nAlter Ausweis"),
    ),
) -> Office:
    """A location open every day (all day, so that tests find times whenever they run)."""
    with app.app_context(), db.transaction() as session:
        made = {}
        for title, minutes, bring in services:
            service = session.query(Service).filter_by(name=title).one_or_none()
            if service is None:
                service = Service(
                    slug=re.sub(r"\W+", "-", title.lower()),
                    name=title,
                    name_en="",
                    duration_minutes=minutes,
                    bring=bring,
                    bring_en="",
                )
                session.add(service)
            made[title] = service
        location = Location(name=name, address="Rathausplatz 1, 12345 Musterstadt")
        location.counters = [Counter(name=f"Schalter {n}") for n in range(1, counters + 1)]
        location.hours = [OpeningHours(weekday=d, opens=opens, closes=closes) for d in EVERY_DAY]
        location.services = list(made.values())
        session.add(location)
        session.flush()
        return Office(location.id, {title: s.id for title, s in made.items()})


def soup(response: TestResponse) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "lxml")


def tree(response: TestResponse) -> etree._Element:
    """The page as lxml's tree: what the helpers below read (the times pages of an office open
    around the clock are large, and BeautifulSoup's tree took most of these tests' time)."""
    return lxml_html.document_fromstring(response.get_data(as_text=True))


def times_url(office: Office, *titles: str, persons: int = 1, where: str | None = None) -> str:
    services = "&".join(f"dienst={office.service_ids[t]}" for t in titles)
    return f"/termine/zeiten?{services}&personen={persons}&standort={where or office.location_id}"


def offered(response: TestResponse) -> list[str]:
    """The values of the time choices on a page: ``<location>@<UTC start>``."""
    return [
        str(value) for value in tree(response).xpath("//input[@name='zeit'][@type='radio']/@value")
    ]


def details_url(office: Office, zeit: str, *titles: str, persons: int = 1) -> str:
    return times_url(office, *titles, persons=persons).replace("/zeiten", "/angaben") + (
        f"&zeit={zeit}"
    )


def solved_challenge(client: CheckingClient) -> str:
    """What the widget sends: a challenge fetched from the portal, solved by ALTCHA's solver."""
    fetched = client.get("/termine/pruefung")
    assert fetched.status_code == 200
    challenge = altcha.Challenge.from_dict(fetched.get_json())
    solution = altcha.solve_challenge(challenge)
    assert solution is not None
    return altcha.Payload(challenge, solution).to_base64()


def prove(client: CheckingClient, office: Office, *titles: str, persons: int = 1) -> None:
    """Solve the proof of work, as the browser does, unless this client needs none (logged in)
    or has its pass already."""
    url = times_url(office, *titles, persons=persons)
    page = client.get(url)
    if tree(page).find(".//form[@id='pruefung']") is None:
        return
    shown = client.get(url + "&" + urlencode({"altcha": solved_challenge(client)}))
    assert shown.status_code == 303, shown.get_data(as_text=True)[:500]


def book(
    client: CheckingClient,
    office: Office,
    zeit: str,
    *titles: str,
    name: str = "Erika Mustermann",
    email: str = "erika@example.de",
    persons: int = 1,
) -> TestResponse:
    """Send the details page's form as a browser would."""
    prove(client, office, *titles, persons=persons)
    page = client.get(details_url(office, zeit, *titles, persons=persons))
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    data = hidden_fields(page)
    data.add("name", name)
    data.add("email", email)
    return client.post("/termine/angaben", data=data)


def hidden_fields(page: TestResponse, action: str = "/termine/angaben") -> MultiDict[str, str]:
    """The hidden fields of the page's form sent to ``action``."""
    forms = [form for form in tree(page).iter("form") if form.get("action") == action]
    assert forms, f"no form to {action}"
    return MultiDict(
        (str(i.get("name")), str(i.get("value") or ""))
        for i in forms[0].iter("input")
        if i.get("type") == "hidden"
    )


def times_page(
    client: CheckingClient, office: Office, *titles: str, persons: int = 1
) -> TestResponse:
    """The free times, after the proof of work if this client needs one."""
    prove(client, office, *titles, persons=persons)
    return client.get(times_url(office, *titles, persons=persons))


def first_time(client: CheckingClient, office: Office, *titles: str, persons: int = 1) -> str:
    prove(client, office, *titles, persons=persons)
    page = client.get(times_url(office, *titles, persons=persons))
    assert page.status_code == 200
    choices = offered(page)
    assert choices, "no free time offered"
    return choices[0]


def time_clear_of_now(
    client: CheckingClient, office: Office, *titles: str, persons: int = 1
) -> str:
    """A free time at least an hour after the earliest one offered. The earliest is as close to
    now as booking allows: a test that looks for it again later finds it gone when the clock
    passed that limit meanwhile (a full suite's run across a ten-minute mark)."""
    prove(client, office, *titles, persons=persons)
    choices = offered(client.get(times_url(office, *titles, persons=persons)))
    assert choices, "no free time offered"
    starts = [moment_of(choice.partition("@")[2]) for choice in choices]
    assert None not in starts
    first = min(start for start in starts if start is not None)
    later = [
        choice
        for choice, start in zip(choices, starts, strict=True)
        if start is not None and start >= first + timedelta(hours=1)
    ]
    assert later, "no free time an hour after the earliest"
    return later[0]


def post_button(client: CheckingClient, url: str, action: str | None = None) -> TestResponse:
    page = client.get(url)
    return client.post(action or url, data={"csrf_token": csrf_token(page)})
