"""The cash office works statements and clarifications in the back office."""

from __future__ import annotations

import io

from bs4 import BeautifulSoup
from werkzeug.http import parse_options_header
from werkzeug.test import TestResponse

from server.auth.roles import Role
from server.formatting import city_today
from tests.checking_client import CheckingClient, csrf_token
from tests.factories import make_clerk, make_receivable
from tests.integration.helpers import log_in_clerk


def text_of(response: TestResponse) -> str:
    page = BeautifulSoup(response.get_data(as_text=True), "lxml")
    return " ".join(page.get_text(" ").split())


def cash_clerk(client: CheckingClient) -> None:
    make_clerk(client.application, username="kasse", roles=[Role.CASH_OFFICE])
    log_in_clerk(client, "kasse")


def demo_statement(client: CheckingClient) -> bytes:
    result = client.application.test_cli_runner().invoke(args=["payments", "demo-statement"])
    assert result.exit_code == 0, result.output
    return result.stdout.encode() if hasattr(result, "stdout") else result.output.encode()


def test_only_the_cash_office_enters(client: CheckingClient) -> None:
    make_clerk(client.application, username="standesamt", roles=[Role.REGISTRY_OFFICE])
    log_in_clerk(client, "standesamt")
    assert client.get("/verwaltung/kasse/").status_code == 403
    assert client.get("/verwaltung/kasse/klaerung").status_code == 403


def test_upload_a_statement_see_what_was_booked_and_clarify_the_rest(
    client: CheckingClient,
) -> None:
    app = client.application
    for cents in (3000, 9600, 1300):
        make_receivable(app, amount_cents=cents)
    cash_clerk(client)
    page = client.get("/verwaltung/kasse/kontoauszug")
    statement = demo_statement(client)
    response = client.post(
        "/verwaltung/kasse/kontoauszug",
        content_type="multipart/form-data",
        data={"csrf_token": csrf_token(page), "statement": (io.BytesIO(statement), "auszug.xml")},
    )
    assert response.status_code == 200
    text = text_of(response)
    assert "Kontoauszug auszug.xml verbucht" in text
    assert "Automatisch verbucht 3" in text
    assert "Zu klären 2" in text

    again = client.post(
        "/verwaltung/kasse/kontoauszug",
        content_type="multipart/form-data",
        data={"csrf_token": csrf_token(page), "statement": (io.BytesIO(statement), "auszug.xml")},
    )
    assert "Bereits früher eingelesen 1" in text_of(again)

    queue = client.get("/verwaltung/kasse/klaerung")
    queue_text = text_of(queue)
    assert "Teilzahlung" in queue_text
    assert "Unbekannter Verwendungszweck" in queue_text
    assert "Spende Stadtfest" in queue_text
    overview = text_of(client.get("/verwaltung/"))
    assert "Klärungsfälle der Stadtkasse 2" in overview

    soup = BeautifulSoup(queue.get_data(as_text=True), "lxml")
    links = [a["href"] for a in soup.select("table a")]
    donation = next(href for href in links if "Spende" in text_of(client.get(href)))
    page = client.get(donation)
    refused = client.post(
        donation,
        data={"csrf_token": csrf_token(page), "action": "assign", "kassenzeichen": "400000099999"},
    )
    assert refused.status_code == 422
    assert "keine Sollstellung" in text_of(refused)
    done = client.post(
        donation,
        data={
            "csrf_token": csrf_token(page),
            "action": "refund",
            "note": "Spende an Verein zurück",
        },
    )
    assert done.status_code == 302
    assert "Spende Stadtfest" not in text_of(client.get("/verwaltung/kasse/klaerung"))


def test_a_file_that_is_not_a_statement_gets_a_clear_error(client: CheckingClient) -> None:
    cash_clerk(client)
    page = client.get("/verwaltung/kasse/kontoauszug")
    response = client.post(
        "/verwaltung/kasse/kontoauszug",
        content_type="multipart/form-data",
        data={
            "csrf_token": csrf_token(page),
            "statement": (io.BytesIO(b"<html>nope</html>"), "x.xml"),
        },
    )
    assert response.status_code == 422
    assert "Die Datei wurde nicht verbucht" in text_of(response)
    missing = client.post("/verwaltung/kasse/kontoauszug", data={"csrf_token": csrf_token(page)})
    assert "Wählen Sie eine Datei" in text_of(missing)


def test_the_days_export_downloads_as_csv_and_json(client: CheckingClient) -> None:
    cash_clerk(client)
    today = city_today().isoformat()
    csv_file = client.get(f"/verwaltung/kasse/export?datum={today}&format=csv")
    assert csv_file.mimetype == "text/csv"
    disposition, options = parse_options_header(csv_file.headers["Content-Disposition"])
    assert (disposition, options["filename"]) == ("attachment", f"buchungen-{today}.csv")
    assert csv_file.get_data(as_text=True).startswith("booking_id,booked_at,kassenzeichen")
    json_file = client.get(f"/verwaltung/kasse/export?datum={today}&format=json")
    assert json_file.json == {"date": today, "bookings": []}


def test_receivables_list_and_journal(client: CheckingClient) -> None:
    receivable_id, kassenzeichen, _ = make_receivable(client.application, amount_cents=2500)
    cash_clerk(client)
    listing = text_of(client.get("/verwaltung/kasse/?status=open"))
    assert kassenzeichen in listing
    assert "25,00 €" in listing
    journal = text_of(client.get(f"/verwaltung/kasse/sollstellungen/{receivable_id}"))
    assert "Noch keine Buchungen." in journal
    assert client.get("/verwaltung/kasse/sollstellungen/999999").status_code == 404
