"""A citizen pays a notice: found by Kassenzeichen and amount or by the letter's link, online
through the sandbox platform (real HTTP, the XBezahldienste protocol), or by transfer."""

from __future__ import annotations

import re

import pytest
import requests
from bs4 import BeautifulSoup
from flask import Flask
from werkzeug.test import TestResponse

from server.payments.models import Booking, OnlinePayment
from server.payments.references import make_kassenzeichen
from tests.checking_client import CheckingClient, checking_client, csrf_token, element
from tests.conftest import LiveServer, make_test_app
from tests.factories import make_receivable


def text_of(response: TestResponse) -> str:
    return " ".join(BeautifulSoup(response.get_data(as_text=True), "lxml").get_text().split())


def grant_by_lookup(client: CheckingClient, kassenzeichen: str, amount: str) -> TestResponse:
    page = client.get("/zahlungen/")
    return client.post(
        "/zahlungen/",
        data={"csrf_token": csrf_token(page), "kassenzeichen": kassenzeichen, "amount": amount},
    )


def bookings(app: Flask) -> list[Booking]:
    from server.extensions import db

    with app.app_context():
        return list(db.session.query(Booking).all())


def test_notice_found_by_kassenzeichen_and_amount_shows_both_ways_to_pay(
    client: CheckingClient,
) -> None:
    _, kassenzeichen, _ = make_receivable(client.application, amount_cents=2500)
    spaced = f"{kassenzeichen[:2]} {kassenzeichen[2:6]} {kassenzeichen[6:]}"
    response = grant_by_lookup(client, spaced, "25,00")
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    text = text_of(page)
    assert "Verwarnungsgeld Parkverstoß" in text
    assert "25,00 €" in text
    assert "online bezahlen" in text
    assert "Per Überweisung" in text
    assert "DE02 1203 0000 0000 2020 51" in text
    assert re.search(r"RF\d\d \d{4}", text)
    assert "<svg" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"


def test_wrong_amount_or_unknown_kassenzeichen_reveals_nothing(client: CheckingClient) -> None:
    _, kassenzeichen, _ = make_receivable(client.application, amount_cents=2500)
    wrong_amount = grant_by_lookup(client, kassenzeichen, "24,99")
    unknown = grant_by_lookup(client, make_kassenzeichen(99999), "25,00")
    for response in (wrong_amount, unknown):
        assert response.status_code == 422
        assert "Wir finden keinen Bescheid" in text_of(response)
    bad_amount = grant_by_lookup(client, kassenzeichen, "25,001")
    assert "höchstens zwei Nachkommastellen" in text_of(bad_amount)
    # What was typed stays in the form.
    soup = BeautifulSoup(bad_amount.get_data(as_text=True), "lxml")
    assert element(soup.find("input", attrs={"name": "amount"}))["value"] == "25,001"
    assert client.get(f"/zahlungen/{kassenzeichen}").status_code == 404


def test_a_mistyped_kassenzeichen_is_told_before_any_lookup(client: CheckingClient) -> None:
    _, kassenzeichen, _ = make_receivable(client.application, amount_cents=2500)
    # One digit wrong: the Luhn check digit catches every such typo.
    swapped = kassenzeichen[:-2] + str((int(kassenzeichen[-2]) + 1) % 10) + kassenzeichen[-1]
    typo = grant_by_lookup(client, swapped, "25,00")
    assert typo.status_code == 422
    text = text_of(typo)
    assert "die Prüfziffer am Ende passt nicht" in text
    assert "Wir finden keinen Bescheid" not in text
    soup = BeautifulSoup(typo.get_data(as_text=True), "lxml")
    assert element(soup.find("input", attrs={"name": "kassenzeichen"}))["value"] == swapped
    assert element(soup.find("input", attrs={"name": "amount"}))["value"] == "25,00"
    short = grant_by_lookup(client, kassenzeichen[:-1], "25,00")
    assert "Ein Kassenzeichen hat 12 Ziffern und beginnt mit 40" in text_of(short)
    assert grant_by_lookup(client, kassenzeichen, "25,00").status_code == 302


def client_from(app: Flask, address: str) -> CheckingClient:
    client = checking_client(app)
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_guessing_one_notice_stops_at_it_and_its_qr_link_still_opens_it(backend: str) -> None:
    app = make_test_app(backend, PAYMENT_LOOKUP_NOTICE_RATE_LIMIT="3 per day")
    _, kassenzeichen, token = make_receivable(app, amount_cents=2500)
    _, other, _ = make_receivable(app, amount_cents=2500)
    for number, amount in enumerate(("10,00", "15,00", "20,00")):
        guesser = client_from(app, f"10.0.1.{number}")
        assert grant_by_lookup(guesser, kassenzeichen, amount).status_code == 422
    citizen = client_from(app, "10.0.2.1")
    refused = grant_by_lookup(citizen, kassenzeichen, "25,00")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "QR-Code" in text_of(refused)
    assert citizen.get(f"/zahlungen/{kassenzeichen}").status_code == 404
    assert grant_by_lookup(citizen, other, "25,00").status_code == 302
    assert citizen.get(f"/zahlungen/z/{token}").status_code == 302
    assert citizen.get(f"/zahlungen/{kassenzeichen}").status_code == 200


def test_a_limited_form_says_its_limit_and_a_page_without_one_says_nothing(backend: str) -> None:
    app = make_test_app(backend, PAYMENT_LOOKUP_RATE_LIMIT="2 per minute")
    _, kassenzeichen, _ = make_receivable(app, amount_cents=2500)
    citizen = client_from(app, "10.0.3.1")
    first = grant_by_lookup(citizen, kassenzeichen, "25,00")
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert first.headers["X-RateLimit-Remaining"] == "1"
    second = grant_by_lookup(citizen, kassenzeichen, "25,00")
    assert second.headers["X-RateLimit-Remaining"] == "0"
    refused = grant_by_lookup(citizen, kassenzeichen, "25,00")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    for page in (citizen.get("/"), citizen.get("/zahlungen/")):
        assert not [name for name in page.headers if name[0].startswith("X-RateLimit")]


def test_a_burst_of_wrong_lookups_closes_the_lookup_and_alerts(
    backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from server.audit.models import AuditEntry
    from server.extensions import db

    app = make_test_app(backend, PAYMENT_LOOKUP_GLOBAL_RATE_LIMIT="3 per minute")
    _, kassenzeichen, token = make_receivable(app, amount_cents=2500)
    for number in range(5):
        guesser = client_from(app, f"10.0.3.{number}")
        guessed = grant_by_lookup(guesser, make_kassenzeichen(90000 + number), "25,00")
        assert guessed.status_code == (422 if number < 3 else 429)
    citizen = client_from(app, "10.0.4.1")
    closed = grant_by_lookup(citizen, kassenzeichen, "25,00")
    assert closed.status_code == 429
    assert "Die Suche nach Bescheiden ist gerade gesperrt" in text_of(closed)
    assert citizen.get(f"/zahlungen/z/{token}").status_code == 302
    with app.app_context():
        alerts = db.session.query(AuditEntry).filter_by(action="security.guessing_burst").all()
        assert [alert.record_id for alert in alerts] == ["notice-lookup"]
    assert capsys.readouterr().err.count("ERROR portal.security: guessing.burst") == 1


def test_the_letters_link_opens_the_notice(client: CheckingClient) -> None:
    _, kassenzeichen, token = make_receivable(client.application)
    assert client.get("/zahlungen/z/not-a-token").status_code == 404
    response = client.get(f"/zahlungen/z/{token}")
    assert response.headers["Location"] == f"/zahlungen/{kassenzeichen}"
    assert client.get(f"/zahlungen/{kassenzeichen}").status_code == 200


def pay_online(live_server: LiveServer, outcome: str) -> tuple[CheckingClient, str, str]:
    app = live_server.app
    app.extensions["sandbox_notifier"].synchronous = True
    client = checking_client(app)
    _, kassenzeichen, token = make_receivable(app, amount_cents=3500)
    client.get(f"/zahlungen/z/{token}")
    page = client.get(f"/zahlungen/{kassenzeichen}")
    started = client.post(
        f"/zahlungen/{kassenzeichen}/online", data={"csrf_token": csrf_token(page)}
    )
    assert started.status_code == 302
    paypage_url = started.headers["Location"]
    assert paypage_url.startswith(f"{live_server.url}/sandbox-zahlung/bezahlen/SBX-")
    # The citizen's browser on the platform's page (real HTTP to the live server).
    browser = requests.Session()
    form = browser.get(paypage_url, timeout=10)
    assert "35,00\xa0€" in form.text
    token_field = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token_field
    back = browser.post(
        paypage_url,
        data={"csrf_token": token_field.group(1), "outcome": outcome, "method": "PayPal"},
        allow_redirects=False,
        timeout=10,
    )
    assert back.status_code == 302
    return_url = back.headers["Location"]
    assert return_url.startswith(f"{live_server.url}/zahlungen/rueckkehr/")
    return client, kassenzeichen, return_url.removeprefix(live_server.url)


def test_paying_online_through_the_sandbox_books_once_and_shows_paid(
    live_server: LiveServer,
) -> None:
    client, kassenzeichen, return_path = pay_online(live_server, "PAYED")
    receipt = client.get(return_path, follow_redirects=True)
    assert "Vielen Dank. Ihre Zahlung ist eingegangen" in text_of(receipt)
    # Returning again (reload) books nothing more.
    client.get(return_path)
    journal = bookings(live_server.app)
    assert [(b.amount_cents, b.source) for b in journal] == [(3500, "provider")]
    with live_server.app.app_context():
        from server.extensions import db

        payment = db.session.query(OnlinePayment).one()
        assert (payment.state, payment.method) == ("paid", "PayPal")
    page = client.get(f"/zahlungen/{kassenzeichen}")
    assert "Per Überweisung" not in text_of(page)


def test_a_cancelled_payment_books_nothing_and_can_be_tried_again(live_server: LiveServer) -> None:
    client, _, return_path = pay_online(live_server, "CANCELED")
    page = client.get(return_path, follow_redirects=True)
    assert "Die Zahlung wurde nicht abgeschlossen" in text_of(page)
    assert "online bezahlen" in text_of(page)
    assert bookings(live_server.app) == []


def test_a_payment_left_open_says_so_and_is_settled_by_the_poll(live_server: LiveServer) -> None:
    client, _, return_path = pay_online(live_server, "INITIAL")
    assert "wird noch bestätigt" in text_of(client.get(return_path, follow_redirects=True))
    assert bookings(live_server.app) == []
