"""Every form shows its errors the same way (GOV.UK error summary): a summary on top whose
entries link to their fields, the field marked invalid and described by its message, the title
starting "Fehler:"; and every step-like page has its "Zurück" link on top."""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag
from werkzeug.test import TestResponse

from server.auth.roles import Role
from tests.checking_client import CheckingClient, csrf_token, element
from tests.factories import make_clerk, make_fine_case, make_receivable
from tests.integration.helpers import enter_code


def soup_of(response: TestResponse) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "lxml")


def summary_links(soup: BeautifulSoup) -> dict[str, str]:
    """The error summary's entries, href -> text; the summary can take focus."""
    summary = element(soup.find(id="error-summary"))
    assert summary["tabindex"] == "-1"
    assert summary.has_attr("data-error-summary")
    return {str(link["href"]): link.get_text(strip=True) for link in summary.find_all("a")}


def assert_field_shows(soup: BeautifulSoup, field_id: str, message: str) -> None:
    """The field is invalid, and the message it is described by is the summary's entry."""
    field = element(soup.find(id=field_id))
    assert field["aria-invalid"] == "true"
    described = str(field["aria-describedby"]).split()
    assert f"{field_id}-error" in described
    assert element(soup.find(id=f"{field_id}-error")).get_text(strip=True) == message
    assert summary_links(soup)[f"#{field_id}"] == message


def title_of(soup: BeautifulSoup) -> str:
    return element(soup.find("title")).get_text()


def back_link(soup: BeautifulSoup) -> str:
    """The href of the "Zurück" link, which comes before the page's heading."""
    main = element(soup.find("main"))
    link = main.find("a", string="Zurück")
    assert isinstance(link, Tag), "no back link"
    heading = element(main.find("h1"))
    assert link in heading.find_all_previous("a"), "the back link is not above the heading"
    return str(link["href"])


def test_payment_lookup_links_each_error_to_its_field(client: CheckingClient) -> None:
    page = client.get("/zahlungen/")
    assert not soup_of(page).find(id="error-summary")
    assert not title_of(soup_of(page)).startswith("Fehler:")
    empty = soup_of(client.post("/zahlungen/", data={"csrf_token": csrf_token(page)}))
    assert title_of(empty).startswith("Fehler: Bescheid bezahlen")
    assert_field_shows(
        empty, "kassenzeichen", "Geben Sie das Kassenzeichen von Ihrem Bescheid ein."
    )
    assert_field_shows(empty, "amount", "Geben Sie den Betrag von Ihrem Bescheid ein.")
    assert list(summary_links(empty)) == ["#kassenzeichen", "#amount"]


def test_a_notice_not_found_is_an_error_at_the_kassenzeichen(client: CheckingClient) -> None:
    _, kassenzeichen, _ = make_receivable(client.application, amount_cents=2500)
    page = client.get("/zahlungen/")
    response = client.post(
        "/zahlungen/",
        data={"csrf_token": csrf_token(page), "kassenzeichen": kassenzeichen, "amount": "26,00"},
    )
    assert response.status_code == 422
    soup = soup_of(response)
    assert title_of(soup).startswith("Fehler: ")
    assert_field_shows(
        soup, "kassenzeichen", "Wir finden keinen Bescheid mit diesem Kassenzeichen und Betrag."
    )
    assert (
        "Prüfen Sie beide Angaben auf Ihrem Bescheid."
        in element(soup.find(id="error-summary")).get_text()
    )
    assert element(soup.find(id="kassenzeichen"))["value"] == kassenzeichen


def test_a_wrong_access_code_is_an_error_at_the_aktenzeichen(client: CheckingClient) -> None:
    case = make_fine_case(client.application)
    page = client.get("/bussgeld")
    response = client.post(
        "/bussgeld",
        data={
            "csrf_token": csrf_token(page),
            "aktenzeichen": case["aktenzeichen"],
            "access_code": "AAAA-BBBB-CCCC-DDDD",
        },
    )
    soup = soup_of(response)
    assert title_of(soup).startswith("Fehler: Knöllchen und Bußgeld")
    assert_field_shows(soup, "aktenzeichen", "Aktenzeichen und Zugangscode passen nicht zusammen.")


def test_clerk_login_errors_are_summarised_in_the_page_and_in_the_htmx_fragment(
    client: CheckingClient,
) -> None:
    make_clerk(client.application, username="bussgeld", roles=[Role.FINES])
    page = client.get("/verwaltung/anmelden")
    data = {"csrf_token": csrf_token(page), "username": "bussgeld", "password": "falsch!"}

    wrong = soup_of(client.post("/verwaltung/anmelden", data=data))
    assert title_of(wrong).startswith("Fehler: Anmeldung für die Verwaltung")
    # The password is never sent back: the error leads there.
    assert_field_shows(wrong, "password", "Benutzername oder Passwort ist falsch.")

    fragment = soup_of(
        client.post("/verwaltung/anmelden", data=data, headers={"HX-Request": "true"})
    )
    assert fragment.find("title") is None  # js/error-summary.js says "Fehler:" after the swap
    assert_field_shows(fragment, "password", "Benutzername oder Passwort ist falsch.")
    # Errors of the fields themselves, the single-field code form alike.
    empty = soup_of(client.post("/verwaltung/anmelden", data={"csrf_token": data["csrf_token"]}))
    assert list(summary_links(empty)) == ["#username", "#password"]


def test_a_wrong_second_factor_code_is_an_error_at_the_code(client: CheckingClient) -> None:
    make_clerk(client.application, username="bussgeld", roles=[Role.FINES])
    page = client.get("/verwaltung/anmelden")
    client.post(
        "/verwaltung/anmelden",
        data={
            "csrf_token": csrf_token(page),
            "username": "bussgeld",
            "password": "correct horse battery",
        },
    )
    soup = soup_of(enter_code(client, "000000"))
    assert title_of(soup).startswith("Fehler: Code eingeben")
    assert_field_shows(
        soup,
        "code",
        "Der Code ist nicht richtig. Bitte geben Sie den aktuellen Code aus Ihrer "
        "Authenticator-App ein.",
    )


def test_form_engine_check_page_goes_back_to_the_last_step_and_summarises_what_is_missing(
    client: CheckingClient,
) -> None:
    kita = "/antraege/kita-anmeldung"
    token = csrf_token(client.get(f"{kita}/kind"))
    client.post(
        f"{kita}/kind",
        data={
            "csrf_token": token,
            "kind_vorname": "Mia",
            "kind_nachname": "Muster",
            "kind_geburtsdatum": "2024-03-01",
        },
    )
    soup = soup_of(client.get(f"{kita}/pruefen"))
    assert title_of(soup).startswith("Fehler: Angaben prüfen")
    links = summary_links(soup)
    assert links
    assert all(href.endswith("?zurueck=pruefen") for href in links), links
    # The child's step is answered; the steps not begun yet are to be answered.
    assert all(text.endswith(" beantworten") for text in links.values()), links
    assert not any(text.startswith("Ihr Kind") for text in links.values()), links
    assert back_link(soup) == f"{kita}/einwilligung"


def test_step_like_pages_have_a_back_link(client: CheckingClient) -> None:
    app = client.application
    assert back_link(soup_of(client.get("/bussgeld"))) == "/"
    assert back_link(soup_of(client.get("/bussgeld/scannen"))) == "/bussgeld"
    assert back_link(soup_of(client.get("/zahlungen/"))) == "/"
    _, kassenzeichen, token = make_receivable(app, amount_cents=2500)
    client.get(f"/zahlungen/z/{token}")
    assert back_link(soup_of(client.get(f"/zahlungen/{kassenzeichen}"))) == "/zahlungen/"
    assert back_link(soup_of(client.get("/antraege/kita-anmeldung/eltern"))) == (
        "/antraege/kita-anmeldung/kind"
    )
    assert back_link(soup_of(client.get("/konto/registrieren"))) == "/konto"
    assert back_link(soup_of(client.get("/konto/passwort-vergessen"))) == "/konto"


def test_the_fines_pages_have_a_back_link(client: CheckingClient) -> None:
    case = make_fine_case(client.application, kind="hearing")
    az = case["aktenzeichen"]
    client.get(f"/b/{case['token']}")
    assert back_link(soup_of(client.get(f"/bussgeld/fall/{az}"))) == "/"
    first_step = client.get(f"/bussgeld/fall/{az}/anhoerung").headers["Location"]
    assert back_link(soup_of(client.get(first_step))) == f"/bussgeld/fall/{az}"


def test_a_wrong_citizen_password_is_an_error_at_the_password(client: CheckingClient) -> None:
    page = client.get("/konto")
    assert not title_of(soup_of(page)).startswith("Fehler:")
    response = client.post(
        "/konto/anmelden",
        data={
            "csrf_token": csrf_token(page),
            "email": "niemand@example.de",
            "password": "irgendein Passwort",
        },
    )
    soup = soup_of(response)
    assert title_of(soup).startswith("Fehler: Mein Konto")
    assert_field_shows(soup, "password", "E-Mail-Adresse oder Passwort ist falsch.")
