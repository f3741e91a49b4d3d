"""Clerk pages speak to clerks, in German and English: no raw codes (``statement_received``,
``decision:forward``, ``fines.case.view``) anywhere a clerk reads, and "Abmelden" on every page.

A portal with demo-like data in many states (submissions of several statuses, fine cases with a
statement of every intent and every decision, payments paid, partial and to clarify, a refund,
an audit log full of entries) is walked from the work overview by following every back-office
link, as an administrator who has every role.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from werkzeug.test import TestResponse

from server.auth.roles import Role
from server.formatting import city_today
from tests.checking_client import CheckingClient, checking_client, csrf_token
from tests.factories import make_clerk, make_fine_case, make_receivable
from tests.integration.certificates.test_certificates import citizen_browser
from tests.integration.certificates.test_certificates import submit as submit_order
from tests.integration.certificates.test_certificates import walk as walk_order
from tests.integration.fines.test_fines_hearing import png
from tests.integration.forms.test_forms import submit_checked, walk_kita
from tests.integration.helpers import log_in_clerk
from tests.integration.payments.test_payments_cash_office import demo_statement

#: snake_case words (``statement_received``, ``written_off``), dotted codes
#: (``fines.case.view``) and prefixed codes (``decision:forward``, ``clerk:admin``).
SNAKE_CASE = re.compile(r"\b[a-z]+_[a-z_]+\b")
DOTTED_CODE = re.compile(r"\b[a-z]+(?:\.[a-z_]+){2,}\b")
PREFIXED_CODE = re.compile(r"\b(?:decision|clerk|citizen|system|fine_case|form_\w+):")
#: Bare codes a clerk would otherwise read as a whole cell or line (German pages only: in
#: English several of them are the right words).
BARE_CODES = {
    "open",
    "partial",
    "paid",
    "overpaid",
    "closed",
    "contest",
    "admit",
    "nominate",
    "viewed",
    "created",
    "letter",
    "statement",
    "citizen",
    "system",
    "payments",
    "provider",
    "bank",
    "clerk",
    "fine",
    "notice",
}
#: Downloads and actions: not pages to read.
NOT_PAGES = re.compile(r"\.pdf$|/anhang/|/datei/|/export|/eingangsbestaetigung")


def visible_text(response: TestResponse) -> str:
    soup = BeautifulSoup(response.get_data(as_text=True), "lxml")
    for hidden in soup.select("script, style, template, [hidden]"):
        hidden.decompose()
    words = soup.get_text(" ").split()
    # E-mail addresses and URLs may hold underscores and dots of their own.
    return " ".join(w for w in words if "@" not in w and "://" not in w and not w.startswith("/"))


def cells(response: TestResponse) -> set[str]:
    """The text of each table cell, fact value and list item: where a bare code would show."""
    soup = BeautifulSoup(response.get_data(as_text=True), "lxml")
    found = soup.select("td, th, dd, li, .kern-subline, option, h3")
    return {" ".join(tag.get_text(" ").split()) for tag in found}


def raw_codes(response: TestResponse, language: str) -> list[str]:
    text = visible_text(response)
    problems = [
        *SNAKE_CASE.findall(text),
        *DOTTED_CODE.findall(text),
        *PREFIXED_CODE.findall(text),
    ]
    if language == "en":
        return problems  # "paid", "open" are English words: the German pages show the codes
    problems += sorted(cell for cell in cells(response) if cell in BARE_CODES)
    # A code after a separator or in brackets ("· viewed ·", "(citizen)").
    problems += [
        m.group(0)
        for m in re.finditer(
            r"(?:·|\(|:)\s*(" + "|".join(sorted(BARE_CODES)) + r")\s*(?:·|\)|$)", text
        )
    ]
    return problems


# --- the data --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Portal:
    clerk: CheckingClient
    #: Pages no list links once they are done: decided cases, decided clarifications.
    done_pages: list[str]


def states(
    app: Flask,
    kind: str,
    *,
    plate: str,
    decision: str | None = None,
    photo: bool = False,
    **case: int,
) -> None:
    """A fine case whose holder stated their side (``kind``), decided by the office if told."""
    from werkzeug.datastructures import FileStorage

    from server.fines import hearing, uploads
    from server.fines.cases import get_case
    from server.fines.models import StatementKind

    made = make_fine_case(app, plate=plate, **case)  # type: ignore[arg-type]
    with app.test_request_context("/"):
        found = get_case(int(made["case_id"]))
        assert found is not None
        if photo:
            uploads.accept_upload(found, FileStorage(io.BytesIO(png()), "beweis.png"))
        person = hearing.Person("Erika Mustermann", "Hauptstraße 5", "12345 Musterstadt", None)
        driver = hearing.Person("Max Mustermann", "Nebenstraße 1", "12345 Musterstadt", None)
        hearing.submit_statement(
            found,
            submission_id=f"statement-{plate}",
            kind=StatementKind(kind),
            text="Ich stand dort nicht." if kind == "contest" else "",
            person=person,
            driver=driver if kind == "nominate" else None,
            email=None,
        )
        if decision is not None:
            hearing.decide(found, decision, clerk="pruefer", note="geprüft")


def citizen_states_their_side(app: Flask) -> None:
    """Fine cases with a statement of each intent, each decided differently, and one open."""
    states(app, "admit", plate="MU-AD 1", decision="discontinue")
    states(app, "contest", plate="MU-CO 1", decision="continue")
    states(app, "nominate", plate="MU-NO 1", decision="forward")
    make_fine_case(app, plate="MU-OF 1")  # open, letter printed, nothing said


def statements_waiting(app: Flask) -> None:
    """A late contest with a photo and a nomination, both waiting for the fines office."""
    states(app, "contest", plate="MU-WA 1", photo=True, days_ago=40, letter_days_ago=30)
    states(app, "nominate", plate="MU-WN 1")


def cash_office_clarifies(app: Flask, clerk: CheckingClient) -> None:
    """Payments booked, one partial, one to clarify and refunded, one left open."""
    for cents in (3000, 9600, 1300):
        make_receivable(app, amount_cents=cents)
    page = clerk.get("/verwaltung/kasse/kontoauszug")
    response = clerk.post(
        "/verwaltung/kasse/kontoauszug",
        content_type="multipart/form-data",
        data={
            "csrf_token": csrf_token(page),
            "statement": (io.BytesIO(demo_statement(clerk)), "auszug.xml"),
        },
    )
    assert response.status_code == 200
    queue = BeautifulSoup(clerk.get("/verwaltung/kasse/klaerung").get_data(as_text=True), "lxml")
    first = str(queue.select("table a")[0]["href"])
    page = clerk.get(first)
    action = "refund" if 'value="refund"' in page.get_data(as_text=True) else "accept"
    done = clerk.post(first, data={"csrf_token": csrf_token(page), "action": action, "note": ""})
    assert done.status_code == 302


def applications_in_several_states(app: Flask, clerk: CheckingClient) -> None:
    for status in ("eingegangen", "angebot", "abgelehnt"):
        citizen = checking_client(app)
        walk_kita(citizen)
        submit_checked(citizen)
        if status != "eingegangen":
            set_status(clerk, "kita-anmeldung", status, grund="Kein Platz frei.")
    citizen = citizen_browser(app, trust="high")  # § 6 Abs. 3 PStV: the eID
    walk_order(citizen, **{"urkunde:zweck": "rente"})
    submit_order(citizen)
    set_status(clerk, "urkunden", "versandt", versanddatum=city_today().isoformat())


def set_status(clerk: CheckingClient, service: str, status: str, **inputs: str) -> None:
    inbox = BeautifulSoup(
        clerk.get(f"/verwaltung/antraege/{service}/?status=eingegangen").get_data(as_text=True),
        "lxml",
    )
    url = str(inbox.select("tbody a")[-1]["href"])
    page = clerk.get(url)
    data = {"csrf_token": csrf_token(page), "status": status, "note": "geprüft"}
    data.update({f"{status}-{name}": value for name, value in inputs.items()})
    response = clerk.post(url, data=data)
    assert response.status_code == 302, visible_text(response)[:1500]


def appointments_in_several_states(app: Flask) -> None:
    """Today's appointments at a Bürgerbüro in every state, and a closed day."""
    from datetime import timedelta

    from server.appointments import office
    from server.appointments.models import AppointmentStatus
    from tests.integration.appointments.helpers import make_office
    from tests.integration.appointments.office_helpers import (
        appointment,
        at,
        booked,
        booking_id,
        today,
    )

    place = make_office(app, counters=2)
    made = [appointment(app, place, at(today(), 0, 10 * n)) for n in range(5)]
    appointment(app, place, at(today(), 1), status=AppointmentStatus.CANCELLED)
    appointment(app, place, at(today(), 2), status=AppointmentStatus.HELD)
    ids = [booking_id(app, number) for number in made]
    with app.test_request_context("/"):
        for target in ids[1:]:
            office.check_in(target)
        counter = place_counter(app, place.location_id)
        for target in ids[2:]:
            office.call(target, counter)
        office.finish(ids[3])
        office.no_show(ids[4])
        office.no_show(ids[0])
    closed = today() + timedelta(days=2)
    booked(app, place, closed, 9, email="max@example.de")
    with app.test_request_context("/"):
        office.close_day(place.location_id, closed, "Betriebsausflug", clerk="pruefer")
    setup_in_several_states(app, place.location_id)


def setup_in_several_states(app: Flask, location_id: int) -> None:
    """The offices' set-up: a counter out of service, a service no longer offered, hours
    changed (each in the audit log)."""
    from datetime import time

    from server.appointments import admin
    from server.appointments.slots import Span

    with app.test_request_context("/"):
        admin.set_counter_active(place_counter(app, location_id), False, clerk="pruefer")
        data = admin.ServiceData("Reisepass beantragen", "", 30, "Passfoto", "", "ausweise")
        made = admin.create_service(data, clerk="pruefer")
        admin.set_service_active(made.id, False, clerk="pruefer")
        week = [Span(day, time(0), time(23, 50)) for day in range(7)]
        admin.set_hours(location_id, week, clerk="pruefer")


def jobs_in_several_states(app: Flask) -> None:
    """Scheduled jobs that ran, failed, were retried and were abandoned (the administrators'
    page of the jobs)."""
    from datetime import timedelta

    from server.db import utcnow
    from server.extensions import db
    from server.jobs.catalogue import find_job
    from server.jobs.models import JobRun, Trigger
    from server.jobs.runs import run_job

    with app.app_context():
        for name in ("outbox-send", "payments-poll", "forms-purge-drafts"):
            found = find_job(name)
            assert found is not None
            run_job(found, trigger=Trigger.COMMAND)
        now = utcnow()
        with db.transaction() as session:
            for attempt in (1, 2):
                session.add(
                    JobRun(
                        job_name="sessions-prune",
                        trigger="schedule",
                        scheduled_for=now - timedelta(hours=1),
                        attempt=attempt,
                        started_at=now - timedelta(minutes=61 - attempt),
                        heartbeat_at=now - timedelta(minutes=61 - attempt),
                        finished_at=now - timedelta(minutes=60 - attempt),
                        outcome="failed",
                        error="Die Datenbank antwortet nicht.",
                        worker="app-1:4711",
                    )
                )
            session.add(
                JobRun(
                    job_name="appointments-remind",
                    trigger="request",
                    attempt=1,
                    started_at=now - timedelta(hours=2),
                    heartbeat_at=now - timedelta(hours=2),
                    finished_at=now - timedelta(hours=1),
                    outcome="abandoned",
                    error="Der Lauf hat aufgehört, sich zu melden (Prozess beendet?).",
                    worker="app-2:815",
                )
            )


def place_counter(app: Flask, location_id: int) -> int:
    from server.appointments.office import get_location

    location = get_location(location_id)
    assert location is not None
    return location.counters[-1].id


@pytest.fixture
def busy_portal(app: Flask) -> Portal:
    make_clerk(app, username="pruefer", display_name="Paula Prüfer", roles=list(Role))
    clerk = checking_client(app)
    log_in_clerk(clerk, "pruefer")
    citizen_states_their_side(app)
    cash_office_clarifies(app, clerk)  # pays some of the fines, too
    statements_waiting(app)
    applications_in_several_states(app, clerk)
    appointments_in_several_states(app)
    jobs_in_several_states(app)
    # A second clerk whose account the administrator looks at.
    make_clerk(app, username="kasse", display_name="Karl Kasse", roles=[Role.CASH_OFFICE])
    return Portal(clerk, done_pages(app))


def done_pages(app: Flask) -> list[str]:
    from sqlalchemy import select

    from server.extensions import db
    from server.fines.models import FineCase
    from server.payments.models import Clarification

    with app.app_context():
        cases = db.session.scalars(select(FineCase.id)).all()
        clarifications = db.session.scalars(select(Clarification.id)).all()
    return [f"/verwaltung/bussgeld/fall/{case}" for case in cases] + [
        f"/verwaltung/kasse/klaerung/{item}" for item in clarifications
    ]


def clerk_pages(portal: Portal) -> Iterator[tuple[str, TestResponse]]:
    """Every back-office page reachable by links from the work overview and the pages of done
    cases, each once."""
    clerk = portal.clerk
    seen: set[str] = set()
    waiting = ["/verwaltung/", *portal.done_pages]
    while waiting:
        url = waiting.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = clerk.get(url)
        assert response.status_code == 200, (url, response.status_code)
        yield url, response
        soup = BeautifulSoup(response.get_data(as_text=True), "lxml")
        for link in soup.select("a[href]"):
            target = urlsplit(str(link["href"]))
            href = target.path + (f"?{target.query}" if target.query else "")
            if (
                target.path.startswith("/verwaltung/")
                and not NOT_PAGES.search(target.path)
                and "/anmelden" not in target.path
                and href not in seen
            ):
                waiting.append(href)
    assert len(seen) > 20, sorted(seen)


def switch_to_english(clerk: CheckingClient) -> None:
    page = clerk.get("/verwaltung/")
    response = clerk.post(
        "/sprache", data={"csrf_token": csrf_token(page), "language": "en", "next": "/verwaltung/"}
    )
    assert response.status_code in (302, 303)


def test_clerk_pages_show_no_raw_codes_and_offer_to_log_out(busy_portal: Portal) -> None:
    """In German, then in English (one busy portal for both: it takes seconds to fill)."""
    clerk = busy_portal.clerk
    problems: dict[str, list[str]] = {}
    visited = set()
    for language in ("de", "en"):
        if language == "en":
            switch_to_english(clerk)
        logout = "Log out" if language == "en" else "Abmelden"
        for url, page in clerk_pages(busy_portal):
            visited.add(url.partition("?")[0])
            soup = BeautifulSoup(page.get_data(as_text=True), "lxml")
            header = soup.select_one("header form[action='/verwaltung/abmelden'] button")
            if header is None or header.get_text(strip=True) != logout:
                problems.setdefault(f"{language} {url}", []).append(f"no {logout}")
            found = raw_codes(page, language)
            if found:
                problems.setdefault(f"{language} {url}", []).extend(found)
    assert not problems, "\n".join(
        f"{url}: {sorted(set(found))}" for url, found in problems.items()
    )
    setup_pages = {"/verwaltung/termine/dienste", "/verwaltung/termine/standorte/neu"}
    assert setup_pages <= visited
    assert "/verwaltung/aufgaben/" in visited
    assert "/verwaltung/postausgang/" in visited
    assert any(url.endswith("/oeffnungszeiten") for url in visited)


# --- decisions: a success message, and a final status stays ----------------------------------


def status_message(page: TestResponse) -> str:
    soup = BeautifulSoup(page.get_data(as_text=True), "lxml")
    found = soup.select_one("main [role=status] .kern-title")
    return found.get_text(" ", strip=True) if found else ""


def youth_office(app: Flask) -> CheckingClient:
    make_clerk(app, username="jugendamt", roles=[Role.YOUTH_OFFICE])
    clerk = checking_client(app)
    log_in_clerk(clerk, "jugendamt")
    return clerk


def kita_submission(app: Flask) -> str:
    citizen = checking_client(app)
    walk_kita(citizen)
    submit_checked(citizen)
    from sqlalchemy import select

    from server.extensions import db
    from server.forms.models import FormSubmission

    with app.app_context():
        newest = db.session.scalars(select(FormSubmission.id).order_by(FormSubmission.id)).all()
    return f"/verwaltung/antraege/kita-anmeldung/{newest[-1]}"


def post_status(clerk: CheckingClient, url: str, status: str, token: str) -> TestResponse:
    return clerk.post(url, data={"csrf_token": token, "status": status, "note": ""})


def test_a_final_status_is_saved_with_a_message_and_then_offered_no_more(app: Flask) -> None:
    clerk = youth_office(app)
    url = kita_submission(app)
    stale = clerk.get(url)  # a second tab, opened before the decision
    saved = post_status(clerk, url, "abgelehnt", csrf_token(stale))
    assert saved.status_code == 302
    landed = clerk.get(saved.location)
    assert status_message(landed) == "Stand gespeichert: Abgelehnt."
    text = visible_text(landed)
    assert "Stand ändern" not in text
    assert 'name="status"' not in landed.get_data(as_text=True)
    assert "Dieser Stand ist endgültig und kann nicht mehr geändert werden." in text

    refused = post_status(clerk, url, "angebot", csrf_token(stale))
    assert refused.status_code == 422
    assert "Der Antrag ist abgeschlossen (Abgelehnt); sein Stand kann nicht mehr geändert" in (
        visible_text(refused)
    )
    history = visible_text(clerk.get(url)).split("Verlauf", 1)[1]
    assert history.count("Abgelehnt") == 1
    assert "Platzangebot gemacht" not in history
    assert "Eingegangen (Bürger/in)" in history


def test_two_clerks_deciding_at_once_make_one_decision(app: Flask) -> None:
    """One closes the application, the other offers a place from the same page: one wins, the
    other is refused, and the final status holds."""
    from sqlalchemy import func, select

    from server.extensions import db
    from server.forms.models import FormStatusEvent
    from server.forms.submissions import StatusError, change_status, get_submission
    from tests.threads import Wait, together

    url = kita_submission(app)
    submission_id = int(url.rsplit("/", 1)[1])

    def decide(status: str) -> Callable[[Wait], object]:
        def run(wait: Wait) -> object:
            with app.app_context():
                try:
                    found = get_submission(submission_id)
                    assert found is not None
                    wait()
                    return change_status(found, status, clerk=status)
                except StatusError:
                    return "refused"
                finally:
                    db.session.close()

        return run

    outcomes = together([decide("abgelehnt"), decide("angebot")])
    assert sorted(map(str, outcomes)) == ["True", "refused"]
    with app.app_context():
        found = get_submission(submission_id)
        assert found is not None
        events = db.session.scalar(
            select(func.count(FormStatusEvent.id)).where(
                FormStatusEvent.submission_id == submission_id
            )
        )
        assert events == 2  # received, and the one decision
        if found.status == "abgelehnt":
            with pytest.raises(StatusError):
                change_status(found, "angebot", clerk="later")


def test_a_fine_decision_is_saved_with_a_message_and_is_final(app: Flask) -> None:
    make_clerk(app, username="bussgeld", roles=[Role.FINES])
    clerk = checking_client(app)
    log_in_clerk(clerk, "bussgeld")
    states(app, "contest", plate="MU-FI 1")
    from sqlalchemy import select

    from server.extensions import db
    from server.fines.models import FineCase

    with app.app_context():
        case = db.session.scalars(select(FineCase)).one()
        url, aktenzeichen = f"/verwaltung/bussgeld/fall/{case.id}", case.aktenzeichen
    stale = clerk.get(url)
    assert "Verstoß bestritten" in visible_text(stale)
    decided = clerk.post(url, data={"csrf_token": csrf_token(stale), "decision": "continue"})
    assert decided.status_code == 302
    queue = clerk.get(decided.location)
    assert status_message(queue) == (
        f"Entschieden: weiter zum Bußgeldbescheid: Vorgang {aktenzeichen}."
    )
    page = clerk.get(url)
    assert 'name="decision"' not in page.get_data(as_text=True)
    assert "Die Entscheidung kann nicht mehr geändert werden." in visible_text(page)
    # A tab still showing the form: "continued" is final, discontinuing it now is refused.
    again = clerk.post(url, data={"csrf_token": csrf_token(stale), "decision": "discontinue"})
    assert again.status_code == 409
    assert "die Entscheidung kann nicht geändert werden" in visible_text(again)
    with app.app_context():
        assert db.session.get_one(FineCase, case.id).status == "continued"


def test_inbox_columns_are_named_for_clerks_not_with_the_citizens_questions(app: Flask) -> None:
    clerk = youth_office(app)
    kita_submission(app)
    inbox = clerk.get("/verwaltung/antraege/kita-anmeldung/")
    soup = BeautifulSoup(inbox.get_data(as_text=True), "lxml")
    headers = [th.get_text(strip=True) for th in soup.select("thead th")]
    assert headers == [
        "Eingangsnummer",
        "Eingegangen",
        "Stand",
        "Vorname",
        "Nachname",
        "Beginn",
        "Kita-Wunsch",
    ]
    filters = [label.get_text(strip=True) for label in soup.select("form[role=search] label")]
    assert filters == ["Stand", "Beginn ab", "Beginn bis", "Kita-Wunsch"]
    assert "Erster Wunsch" not in visible_text(inbox)
