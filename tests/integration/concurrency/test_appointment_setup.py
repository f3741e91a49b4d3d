"""Setting up the offices: N clerks create the same service, add the same counter, take the
same counter out of service or stop offering the same service at once."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import select

from server.appointments.models import Counter, Service
from server.audit.models import AuditEntry
from server.auth.roles import Role
from tests.integration.appointments.helpers import make_office
from tests.integration.concurrency.harness import (
    Browser,
    Portal,
    assert_race,
    form_fields,
    race,
)


def clerks(portal: Portal) -> list[Browser]:
    return portal.clerks("termine-setup", [Role.APPOINTMENTS])


def test_create_service(portal: Portal) -> None:
    """One service; the others read that a service of that name exists."""
    name = portal.unique("Führerschein umschreiben ")
    page = target = "/verwaltung/termine/dienste/neu"
    fields: dict[int, dict[str, str]] = {}

    def prepare(browser: Browser, index: int) -> None:
        fields[index] = {
            **form_fields(browser.page(page).text, target),
            "name": name,
            "name_en": "",
            "minuten": "15",
            "mitbringen": "Führerschein",
            "mitbringen_en": "",
            "gruppe": "fahrerlaubnis",
        }

    replies = race(
        clerks(portal), lambda browser, i: browser.post(target, data=fields[i]), prepare=prepare
    )
    assert_race(
        replies,
        effects=portal.count(select(Service).where(Service.name == name)),
        what="services",
        loser=lambda r: (
            r.status == 409 and "Einen Dienst mit diesem Namen gibt es bereits." in r.text
        ),
        winner=lambda r: f"Der Dienst „{name}“ ist angelegt." in r.text,
    )


def test_add_counter(portal: Portal) -> None:
    """One counter; the others read that the location has a counter of that name."""
    place = make_office(portal.app, name=portal.unique("Bürgerbüro "))
    page = f"/verwaltung/termine/{place.location_id}/einrichtung"
    target = f"/verwaltung/termine/{place.location_id}/schalter"
    fields: dict[int, dict[str, str]] = {}

    def prepare(browser: Browser, index: int) -> None:
        html = browser.page(page).text
        fields[index] = {**form_fields(html, target), "schalter-neu-name": "Schalter 9"}

    replies = race(
        clerks(portal), lambda browser, i: browser.post(target, data=fields[i]), prepare=prepare
    )
    assert_race(
        replies,
        effects=portal.count(
            select(Counter).where(
                Counter.location_id == place.location_id, Counter.name == "Schalter 9"
            )
        ),
        what="counters",
        loser=lambda r: r.status == 409 and "gibt es hier bereits" in r.text,
        winner=lambda r: "Der Schalter „Schalter 9“ ist eingerichtet." in r.text,
    )


def test_counter_out_of_service(portal: Portal) -> None:
    """One change (one audit entry); the others read that it was so already."""
    place = make_office(portal.app, name=portal.unique("Bürgerbüro "), counters=2)
    with portal.db() as session:
        counter_id = session.scalars(
            select(Counter.id).where(Counter.location_id == place.location_id)
        ).all()[-1]
    page = f"/verwaltung/termine/{place.location_id}/einrichtung"
    target = f"/verwaltung/termine/schalter/{counter_id}"
    fields: dict[int, dict[str, str]] = {}

    def prepare(browser: Browser, index: int) -> None:
        soup = BeautifulSoup(browser.page(page).text, "lxml")
        button = soup.select_one(f"tr[data-counter='{counter_id}'] input[value=stilllegen]")
        assert button is not None
        form = button.find_parent("form")
        assert form is not None
        fields[index] = {str(i["name"]): str(i["value"]) for i in form.find_all("input")}

    replies = race(
        clerks(portal), lambda browser, i: browser.post(target, data=fields[i]), prepare=prepare
    )
    assert_race(
        replies,
        effects=portal.count(
            select(AuditEntry).where(
                AuditEntry.action == "appointments.counter.deactivate",
                AuditEntry.record_id == str(place.location_id),
            )
        ),
        what="counters taken out of service",
        loser=lambda r: "Das war bereits so." in r.text,
        winner=lambda r: "„Schalter 2“ ist außer Betrieb." in r.text,
    )


def test_service_no_longer_offered(portal: Portal) -> None:
    """One change (one audit entry); the others read that it was so already."""
    name = portal.unique("Meldebescheinigung ")
    place = make_office(portal.app, name=portal.unique("Bürgerbüro "), services=((name, 10, ""),))
    service_id = place.service_ids[name]
    page = "/verwaltung/termine/dienste"
    target = f"/verwaltung/termine/dienste/{service_id}/angebot"
    fields: dict[int, dict[str, str]] = {}

    def prepare(browser: Browser, index: int) -> None:
        fields[index] = form_fields(browser.page(page).text, target)
        assert fields[index]["angeboten"] == "0"

    replies = race(
        clerks(portal), lambda browser, i: browser.post(target, data=fields[i]), prepare=prepare
    )
    assert_race(
        replies,
        effects=portal.count(
            select(AuditEntry).where(
                AuditEntry.action == "appointments.service.deactivate",
                AuditEntry.record_id == str(service_id),
            )
        ),
        what="services no longer offered",
        loser=lambda r: "Das war bereits so." in r.text,
        winner=lambda r: f"„{name}“ wird nicht mehr angeboten." in r.text,
    )
