"""A citizen pays a notice: found by Kassenzeichen and amount or by the letter's link, online
through the sandbox platform (real HTTP, the XBezahldienste protocol), or by transfer."""

from __future__ import annotations

import re

import requests
from bs4 import BeautifulSoup
from flask import Flask

from server.payments.models import Booking, OnlinePayment
from tests.checking_client import CheckingClient, csrf_token
from tests.conftest import LiveServer
from tests.factories import make_receivable


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(
        BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text().split()
    )


def grant_by_lookup(client: CheckingClient, kassenzeichen: str, amount: str):  # type: ignore[no-untyped-def]
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
    unknown = grant_by_lookup(client, "400000099999", "25,00")
    for response in (wrong_amount, unknown):
        assert response.status_code == 422
        assert "Wir finden keinen Bescheid" in text_of(response)
    bad_amount = grant_by_lookup(client, kassenzeichen, "25,001")
    assert "höchstens zwei Nachkommastellen" in text_of(bad_amount)
    # What was typed stays in the form.
    soup = BeautifulSoup(bad_amount.get_data(as_text=True), "html.parser")
    assert soup.find("input", attrs={"name": "amount"})["value"] == "25,001"
    assert client.get(f"/zahlungen/{kassenzeichen}").status_code == 404


def test_the_letters_link_opens_the_notice(client: CheckingClient) -> None:
    _, kassenzeichen, token = make_receivable(client.application)
    assert client.get("/zahlungen/z/not-a-token").status_code == 404
    response = client.get(f"/zahlungen/z/{token}")
    assert response.headers["Location"] == f"/zahlungen/{kassenzeichen}"
    assert client.get(f"/zahlungen/{kassenzeichen}").status_code == 200


def pay_online(live_server: LiveServer, outcome: str) -> tuple[CheckingClient, str, str]:
    app = live_server.app
    app.extensions["sandbox_notifier"].synchronous = True
    client: CheckingClient = app.test_client()  # type: ignore[assignment]
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
