from __future__ import annotations

from bs4 import BeautifulSoup
from werkzeug.test import TestResponse

from server.web.catalogue import SERVICES
from tests.checking_client import CheckingClient, csrf_token, element


def soup(response: TestResponse) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "lxml")


def test_start_page_is_german_with_a_tile_for_every_service(client: CheckingClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    page = soup(response)
    assert element(page.html)["lang"] == "de"
    assert element(page.h1).get_text(strip=True) == "Bürgerportal"
    tiles = {a.get_text(strip=True): str(a["href"]) for a in page.select(".portal-tiles a")}
    for title in (
        "Knöllchen und Bußgeld",
        "Bescheide bezahlen",
        "Urkunden bestellen",
        "Termin vereinbaren",
        "Kita-Anmeldung",
        "Kontakt zur Stadt",
        "Belege nachreichen",
        "Mängelmelder",
        "Briefwahl beantragen",
        "Meldebescheinigung",
        "Bewohnerparkausweis",
        "Hund anmelden (Hundesteuer)",
        "Sperrmüll-Abholung",
        "Mein Konto",
    ):
        assert title in tiles
    assert len(tiles) == 14  # the article's portal: fourteen service logos, the account included
    assert tiles["Bescheide bezahlen"] == "/zahlungen/"
    # Services not built yet, and the forms (whose service page says what they need), have
    # their page in the catalogue; one with no tile of its own (the dog's deregistration) only
    # there.
    assert sorted(href for href in tiles.values() if href.startswith("/dienste/")) == sorted(
        f"/dienste/{s.slug}" for s in SERVICES if (not s.available or s.form) and s.start_tile
    )


def test_the_start_page_offers_the_scanner_and_the_status_lookup(client: CheckingClient) -> None:
    page = soup(client.get("/"))
    shortcuts = {a.get_text(strip=True): str(a["href"]) for a in page.select(".portal-shortcuts a")}
    assert shortcuts == {
        "QR-Code von einem Schreiben der Stadt scannen": "/bussgeld/scannen",
        "Stand eines Antrags abfragen": "/antraege/stand",
    }
    for href in shortcuts.values():
        assert client.get(href).status_code == 200


def test_every_tile_leads_to_a_page_not_a_dead_link(client: CheckingClient) -> None:
    for href in (str(a["href"]) for a in soup(client.get("/")).select(".portal-tiles a")):
        response = client.get(href)
        assert response.status_code == 200, href
        text = response.get_data(as_text=True)
        if href.startswith("/dienste/"):
            assert "bald online verfügbar" in text or "Jetzt starten" in text, href


def test_unknown_service_is_a_translated_404(client: CheckingClient) -> None:
    response = client.get("/dienste/gibt-es-nicht")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.get_data(as_text=True)
    english = client.get("/dienste/gibt-es-nicht", headers={"Accept-Language": "en"})
    assert "Page not found" in english.get_data(as_text=True)


def test_browser_language_english_gives_english_pages(client: CheckingClient) -> None:
    page = soup(client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}))
    assert element(page.html)["lang"] == "en-GB"
    assert element(page.h1).get_text(strip=True) == "Citizen portal"
    assert "Parking tickets and fines" in page.get_text()


def test_language_switch_persists_and_returns_to_the_page(client: CheckingClient) -> None:
    page = client.get("/dienste/kita")
    response = client.post(
        "/sprache", data={"csrf_token": csrf_token(page), "language": "en", "next": "/dienste/kita"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/dienste/kita"
    again = soup(client.get("/dienste/kita"))
    assert element(again.html)["lang"] == "en-GB"
    assert element(again.h1).get_text(strip=True) == "Kita registration"
    # Persists beyond the page: the start page is English too, whatever the browser says.
    assert element(soup(client.get("/", headers={"Accept-Language": "de"})).html)["lang"] == "en-GB"
    back = client.post("/sprache", data={"csrf_token": csrf_token(page), "language": "de"})
    assert back.headers["Location"] == "/"
    assert element(soup(client.get("/")).html)["lang"] == "de"


def test_language_switch_refuses_unknown_language_and_foreign_redirects(
    client: CheckingClient,
) -> None:
    token = csrf_token(client.get("/"))
    assert client.post("/sprache", data={"csrf_token": token, "language": "xx"}).status_code == 400
    response = client.post(
        "/sprache", data={"csrf_token": token, "language": "en", "next": "//evil.example/"}
    )
    assert response.headers["Location"] == "/"


def test_language_switch_without_csrf_token_is_refused_with_explanation(
    client: CheckingClient,
) -> None:
    response = client.post("/sprache", data={"language": "en"})
    assert response.status_code == 400
    assert "Sitzung abgelaufen" in response.get_data(as_text=True)


def test_catalogue_search_matches_german_and_english_words(client: CheckingClient) -> None:
    def titles(query: str) -> list[str]:
        page = soup(client.get("/dienste", query_string={"q": query}))
        return [a.get_text(strip=True) for a in page.select("#service-list a")]

    assert titles("urkunde") == ["Urkunden bestellen"]
    assert titles("birth certificate") == ["Urkunden bestellen"]
    assert titles("KNOLLCHEN") == ["Knöllchen und Bußgeld"]
    assert len(titles("")) == len(SERVICES)
    nothing = client.get("/dienste", query_string={"q": "Hundesteuer Mondlandung"})
    assert "Kein Dienst passt zu" in nothing.get_data(as_text=True)


def test_catalogue_serves_the_fragment_to_htmx(client: CheckingClient) -> None:
    response = client.get("/dienste", query_string={"q": "kita"}, headers={"HX-Request": "true"})
    text = response.get_data(as_text=True)
    assert "<html" not in text
    assert text.strip().startswith('<div id="service-list">')
    assert "Kita-Anmeldung" in text
    assert "HX-Request" in response.headers["Vary"]


def test_offline_page_says_what_still_works(client: CheckingClient) -> None:
    response = client.get("/offline")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Sie sind offline" in text
    assert "Was weiterhin geht" in text


def test_each_tile_has_its_icon_and_the_city_orders_them(backend: str) -> None:
    import pytest

    from server.config import ConfigurationError
    from server.extensions import db
    from tests.conftest import empty_all_tables, make_test_app

    app = make_test_app(backend, START_TILE_ORDER="termine, bewohnerparkausweis,konto")
    try:
        page = soup(app.test_client().get("/"))
        tiles = page.select(".portal-tiles > li")
        titles = [element(tile.find("a")).get_text(strip=True) for tile in tiles]
        assert titles[:3] == ["Termin vereinbaren", "Bewohnerparkausweis", "Mein Konto"]
        assert titles[3] == "Knöllchen und Bußgeld"  # the rest in the catalogue's order
        assert len(titles) == len([s for s in SERVICES if s.start_tile])
        for tile in tiles:
            icon = element(tile.find("svg"))
            assert icon["aria-hidden"] == "true"
            assert icon.find("path") is not None
    finally:
        with app.app_context():
            db.engine.dispose()
        empty_all_tables(backend)
    with pytest.raises(ConfigurationError, match="START_TILE_ORDER: no such service: parken"):
        make_test_app(backend, START_TILE_ORDER="termine,parken")
    with pytest.raises(ConfigurationError, match="named twice"):
        make_test_app(backend, START_TILE_ORDER="termine,termine")
