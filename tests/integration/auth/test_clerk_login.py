from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from werkzeug.test import TestResponse

from server.auth.roles import Role
from tests.checking_client import CheckingClient, checking_client, csrf_token, element
from tests.conftest import make_test_app
from tests.factories import make_clerk
from tests.integration.helpers import log_in_clerk, unused_code


def text_of(response: TestResponse) -> str:
    return BeautifulSoup(response.get_data(as_text=True), "lxml").get_text(" ")


def test_back_office_sends_anonymous_visitors_to_the_clerk_login(client: CheckingClient) -> None:
    response = client.get("/verwaltung/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/verwaltung/anmelden?next=/verwaltung/"


def test_clerk_logs_in_and_sees_an_empty_work_overview_for_their_roles(
    client: CheckingClient,
) -> None:
    make_clerk(
        client.application, username="bussgeld", display_name="Berta Bußgeld", roles=[Role.FINES]
    )
    response = log_in_clerk(client, "bussgeld", next_url="/verwaltung/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/verwaltung/"
    overview = text_of(client.get("/verwaltung/"))
    assert "Angemeldet als Berta Bußgeld" in overview
    assert "Anhörungen und Fahrerbenennungen" in overview
    assert "Urkundenbestellungen" not in overview  # another role's queue
    assert "Keine offenen Vorgänge" in overview


def test_administrator_sees_every_queue(client: CheckingClient) -> None:
    make_clerk(client.application, username="admin", roles=[Role.ADMIN])
    log_in_clerk(client, "admin")
    overview = text_of(client.get("/verwaltung/"))
    for queue in (
        "Anhörungen und Fahrerbenennungen",
        "Urkundenbestellungen",
        "Klärungsfälle der Stadtkasse",
        "Kita-Anmeldungen",
    ):
        assert queue in overview


def test_wrong_password_keeps_the_username_and_says_what_is_wrong(client: CheckingClient) -> None:
    make_clerk(client.application, username="standesamt", roles=[Role.REGISTRY_OFFICE])
    response = log_in_clerk(client, "  Standesamt ", password="wrong password!")
    assert response.status_code == 422
    page = BeautifulSoup(response.get_data(as_text=True), "lxml")
    assert "Benutzername oder Passwort ist falsch." in page.get_text()
    assert element(page.find("input", attrs={"name": "username"}))["value"] == "Standesamt"
    assert "wrong password!" not in response.get_data(as_text=True)
    assert client.get("/verwaltung/").status_code == 302


def test_empty_fields_get_translated_field_errors(client: CheckingClient) -> None:
    token = csrf_token(client.get("/verwaltung/anmelden", headers={"Accept-Language": "en"}))
    response = client.post(
        "/verwaltung/anmelden", data={"csrf_token": token}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 422
    assert "Enter your username." in text_of(response)
    assert "Enter your password." in text_of(response)


def test_expired_form_token_rerenders_the_form_with_what_was_typed(client: CheckingClient) -> None:
    make_clerk(client.application, username="stadtkasse", roles=[Role.CASH_OFFICE])
    response = client.post(
        "/verwaltung/anmelden",
        data={"csrf_token": "stale", "username": "stadtkasse", "password": "correct horse battery"},
    )
    assert response.status_code == 400
    page = BeautifulSoup(response.get_data(as_text=True), "lxml")
    assert "Die Sitzung ist abgelaufen" in page.get_text()
    assert element(page.find("input", attrs={"name": "username"}))["value"] == "stadtkasse"
    assert client.get("/verwaltung/").status_code == 302


def test_inactive_clerk_cannot_log_in(client: CheckingClient) -> None:
    make_clerk(client.application, username="former", active=False)
    assert log_in_clerk(client, "former").status_code == 422


def test_foreign_next_target_is_ignored(client: CheckingClient) -> None:
    make_clerk(client.application, username="clerk")
    response = log_in_clerk(client, "clerk", next_url="https://evil.example/")
    assert response.headers["Location"] == "/verwaltung/"


def test_htmx_login_redirects_the_whole_page(client: CheckingClient) -> None:
    make_clerk(client.application, username="clerk")
    token = csrf_token(client.get("/verwaltung/anmelden"))
    response = client.post(
        "/verwaltung/anmelden",
        headers={"HX-Request": "true"},
        data={"csrf_token": token, "username": "clerk", "password": "correct horse battery"},
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/verwaltung/anmelden/code"
    code_page = client.get("/verwaltung/anmelden/code")
    response = client.post(
        "/verwaltung/anmelden/code",
        headers={"HX-Request": "true"},
        data={
            "csrf_token": csrf_token(code_page),
            "code": unused_code(client.application, "clerk"),
        },
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/verwaltung/"


def test_htmx_login_error_returns_only_the_form(client: CheckingClient) -> None:
    token = csrf_token(client.get("/verwaltung/anmelden"))
    response = client.post(
        "/verwaltung/anmelden",
        headers={"HX-Request": "true"},
        data={"csrf_token": token, "username": "x", "password": "y"},
    )
    assert response.status_code == 422
    assert response.get_data(as_text=True).lstrip().startswith('<form id="clerk-login"')


def test_logout_ends_the_session(client: CheckingClient) -> None:
    make_clerk(client.application, username="clerk")
    log_in_clerk(client, "clerk")
    overview = client.get("/verwaltung/")
    assert overview.status_code == 200
    assert client.get("/verwaltung/abmelden").status_code == 405
    response = client.post("/verwaltung/abmelden", data={"csrf_token": csrf_token(overview)})
    assert response.status_code == 302
    assert client.get("/verwaltung/").status_code == 302


def test_login_attempts_are_rate_limited_with_a_clear_message(backend: str) -> None:
    app = make_test_app(backend, CLERK_LOGIN_RATE_LIMIT="3 per minute")
    client = checking_client(app)
    for _ in range(3):
        assert log_in_clerk(client, "nobody", "wrong").status_code == 422
    response = log_in_clerk(client, "nobody", "wrong")
    assert response.status_code == 429
    assert "Zu viele Anmeldeversuche" in text_of(response)
    assert response.headers["Retry-After"]


@pytest.fixture
def gated_app(app: Flask) -> Flask:
    """The app with one view gated by the cash office role, as later areas' queues will be."""
    from server.auth.session import clerk_required

    @app.route("/verwaltung/test-kasse")
    @clerk_required(Role.CASH_OFFICE)
    def cash_queue() -> str:
        return "Kasse"

    return app


def test_a_role_gated_view_refuses_other_roles(gated_app: Flask) -> None:
    make_clerk(gated_app, username="kasse", roles=[Role.CASH_OFFICE])
    make_clerk(gated_app, username="bussgeld", roles=[Role.FINES])
    cash = checking_client(gated_app)
    log_in_clerk(cash, "kasse")
    assert cash.get("/verwaltung/test-kasse").status_code == 200
    fines = checking_client(gated_app)
    log_in_clerk(fines, "bussgeld")
    refused = fines.get("/verwaltung/test-kasse")
    assert refused.status_code == 403
    assert "Keine Berechtigung" in text_of(refused)
