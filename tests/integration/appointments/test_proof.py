"""The proof of work (ALTCHA) before an anonymous visitor sees free times, on both databases:
solved by ALTCHA's own solver as the widget would; wrong, forged, foreign, replayed and expired
solutions refused with a clear message; one booking per proof; logged-in citizens skip it."""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import urlencode

import altcha
import pytest
from flask import Flask

from server.appointments import proof
from server.appointments.models import Appointment
from server.extensions import db
from tests.checking_client import CheckingClient, checking_client
from tests.integration.accounts_helpers import text_of
from tests.integration.appointments.helpers import (
    book,
    details_url,
    hidden_fields,
    make_office,
    offered,
    prove,
    solved_challenge,
    soup,
    times_url,
)

AUSWEIS = "Personalausweis beantragen"


def with_payload(url: str, payload: str) -> str:
    return f"{url}&{urlencode({'altcha': payload})}"


def asks_for_proof(page_html: str) -> bool:
    return "Kurze Prüfung vor den freien Terminen" in page_html


def count_bookings(app: Flask) -> int:
    with app.app_context():
        return db.session.query(Appointment).count()


def test_free_times_only_after_a_solved_challenge_which_counts_once(
    client: CheckingClient,
) -> None:
    app = client.application
    office = make_office(app)
    url = times_url(office, AUSWEIS)

    where = soup(client.get(url.replace("/zeiten", "/standort")))
    widget = where.select_one("form [data-altcha]")
    assert widget is not None
    assert widget["data-altcha-challenge"] == "/termine/pruefung"

    asked = client.get(url)
    assert asked.status_code == 200
    assert asks_for_proof(text_of(asked))
    assert offered(asked) == []
    # Without JavaScript: what to do instead, the login (which needs no proof) first.
    assert "braucht JavaScript" in text_of(asked)
    login = soup(asked).find("a", string=lambda s: bool(s) and "Anmelden" in s)
    assert login is not None
    assert str(login["href"]).startswith("/konto?next=")

    payload = solved_challenge(client)
    opened = client.get(with_payload(url, payload))
    assert opened.status_code == 303
    assert opened.headers["Location"] == url  # the payload is not kept in the address
    assert offered(client.get(url))
    # The pass opens the later pages too, and the next step.
    later = soup(client.get(url)).find("a", string="Spätere Termine anzeigen")
    assert later is not None
    assert offered(client.get(str(later["href"])))

    # The same solution in another browser (or sent again) counts no more.
    other = checking_client(app)
    replayed = other.get(with_payload(url, payload))
    assert replayed.status_code == 422
    assert "Diese Prüfung wurde schon verwendet" in text_of(replayed)
    assert soup(replayed).title is not None
    assert soup(replayed).title.text.startswith("Fehler:")  # type: ignore[union-attr]
    assert offered(replayed) == []
    assert other.get(details_url(office, offered(client.get(url))[0], AUSWEIS)).status_code == 200
    assert asks_for_proof(text_of(other.get(details_url(office, "x", AUSWEIS))))


def _refused(client: CheckingClient, url: str, payload: str) -> str:
    page = client.get(with_payload(url, payload))
    assert page.status_code == 422, page.status_code
    assert offered(page) == []
    return text_of(page)


def _encoded(value: object) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode()


def test_wrong_forged_tampered_and_foreign_solutions_open_nothing(
    client: CheckingClient,
) -> None:
    app = client.application
    office = make_office(app)
    url = times_url(office, AUSWEIS)
    wrong_message = "Die Prüfung Ihres Browsers hat nicht gestimmt"

    # A wrong solution: another derived key than the challenge's.
    good = json.loads(base64.b64decode(solved_challenge(client)))
    wrong = {**good, "solution": {**good["solution"], "derivedKey": "00" * 32}}
    assert wrong_message in _refused(client, url, _encoded(wrong))
    # Tampered with: a later expiry under the portal's signature.
    parameters = {**good["challenge"]["parameters"], "expiresAt": int(time.time()) + 86400}
    tampered = {**good, "challenge": {**good["challenge"], "parameters": parameters}}
    assert wrong_message in _refused(client, url, _encoded(tampered))
    # Forged: issued and signed by someone else, correctly solved.
    forged = altcha.create_challenge(
        proof.ALGORITHM,
        10,
        counter=3,
        expires_at=int(time.time()) + 600,
        data={"step": proof.STEP},
        hmac_secret="not the portal's key",
    )
    forged_solution = altcha.solve_challenge(forged)
    assert forged_solution is not None
    forged_payload = altcha.Payload(forged, forged_solution).to_base64()
    assert wrong_message in _refused(client, url, forged_payload)
    # The widget's test mode, and garbage.
    assert wrong_message in _refused(
        client, url, _encoded({"challenge": None, "solution": None, "test": True})
    )
    assert wrong_message in _refused(client, url, "bm90IGEgcGF5bG9hZA==")
    # The portal's own challenge for another purpose unlocks nothing here.
    with app.test_request_context("/"):
        foreign = altcha.Challenge.from_dict(proof.new_challenge(step="forms.kontakt"))
    foreign_solution = altcha.solve_challenge(foreign)
    assert foreign_solution is not None
    foreign_payload = altcha.Payload(foreign, foreign_solution).to_base64()
    assert wrong_message in _refused(client, url, foreign_payload)

    # The good one was never sent: it still opens the times.
    assert client.get(with_payload(url, _encoded(good))).status_code == 303


def test_an_expired_challenge_and_an_expired_pass_say_so(
    client: CheckingClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = client.application
    office = make_office(app)
    url = times_url(office, AUSWEIS)
    minutes = int(app.config["APPOINTMENT_PROOF_MINUTES"])
    now = time.time()

    late = solved_challenge(client)
    monkeypatch.setattr(time, "time", lambda: now + minutes * 60 + 5)
    assert "Die Prüfung ist abgelaufen" in _refused(client, url, late)
    monkeypatch.undo()

    assert client.get(with_payload(url, solved_challenge(client))).status_code == 303
    assert offered(client.get(url))
    monkeypatch.setattr(time, "time", lambda: now + minutes * 60 + 5)
    ran_out = client.get(url)
    assert ran_out.status_code == 422
    assert "Die Prüfung ist abgelaufen" in text_of(ran_out)
    assert offered(ran_out) == []


def test_one_proof_books_once_and_a_failed_booking_keeps_it(client: CheckingClient) -> None:
    app = client.application
    office = make_office(app)
    prove(client, office, AUSWEIS)
    first = offered(client.get(times_url(office, AUSWEIS)))[0]
    # A time taken meanwhile: nothing booked, the proof still serves the next try.
    taker = checking_client(app)
    assert book(taker, office, first, AUSWEIS, email="taker@example.de").status_code == 303
    page = client.get(details_url(office, first, AUSWEIS))
    data = hidden_fields(page)
    data.add("name", "Erika Mustermann")
    data.add("email", "erika@example.de")
    assert client.post("/termine/angaben", data=data).status_code == 409
    data.setlist("zeit", [offered(client.get(times_url(office, AUSWEIS)))[0]])
    assert client.post("/termine/angaben", data=data).status_code == 303
    assert count_bookings(app) == 2
    # Used up: the form sent again books nothing and says why.
    again = client.post("/termine/angaben", data=data)
    assert again.status_code == 422
    assert "Diese Prüfung wurde schon verwendet" in text_of(again)
    assert count_bookings(app) == 2
    # The times page simply asks for a new proof.
    fresh = client.get(times_url(office, AUSWEIS))
    assert fresh.status_code == 200
    assert asks_for_proof(text_of(fresh))


def test_logged_in_citizens_need_no_proof(client: CheckingClient) -> None:
    from server.auth.models import Citizen

    app = client.application
    office = make_office(app)
    with app.app_context(), db.transaction() as session:
        citizen = Citizen(given_name="Max", family_name="Mustermann", email="max@example.de")
        session.add(citizen)
        session.flush()
        citizen_id = citizen.id
    with client.session_transaction() as browser_session:
        browser_session["citizen_id"] = citizen_id
        browser_session["trust_level"] = "low"
    url = times_url(office, AUSWEIS)
    assert soup(client.get(url.replace("/zeiten", "/standort"))).select_one("[data-altcha]") is None
    assert offered(client.get(url))
    assert book(client, office, offered(client.get(url))[0], AUSWEIS).status_code == 303
    assert offered(client.get(url))  # and the next booking needs none either
