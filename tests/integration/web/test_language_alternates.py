"""The manifest in the citizen's language, and the language versions a public page links."""

from __future__ import annotations

import json

from bs4 import BeautifulSoup

from tests.checking_client import CheckingClient, csrf_token


def _manifest(client: CheckingClient, url: str) -> dict[str, object]:
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    data = json.loads(response.get_data(as_text=True))
    assert isinstance(data, dict)
    return data


def test_english_page_links_the_english_manifest(client: CheckingClient) -> None:
    page = BeautifulSoup(
        client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True), "lxml"
    )
    link = page.find("link", rel="manifest")
    assert link is not None
    assert link["href"] == "/manifest.webmanifest?lang=en"
    manifest = _manifest(client, str(link["href"]))
    assert manifest["lang"] == "en-GB"
    assert manifest["dir"] == "ltr"
    assert manifest["name"] == "Citizen portal Musterstadt"
    assert manifest["short_name"] == "Citizen portal"
    assert manifest["description"] == "The online services of the city of Musterstadt."
    shortcuts = manifest["shortcuts"]
    assert isinstance(shortcuts, list)
    assert [s["name"] for s in shortcuts] == [
        "Parking tickets and fines",
        "Pay a notice",
        "My account",
    ]
    assert all(s["url"].startswith("/dienste/") for s in shortcuts)


def test_manifest_at_its_plain_address_is_german_for_everybody(client: CheckingClient) -> None:
    manifest = _manifest(client, "/manifest.webmanifest")
    assert manifest["lang"] == "de"
    assert manifest["short_name"] == "Bürgerportal"
    shortcuts = manifest["shortcuts"]
    assert isinstance(shortcuts, list)
    assert shortcuts[0]["name"] == "Knöllchen und Bußgeld"
    assert _manifest(client, "/manifest.webmanifest?lang=xx")["lang"] == "de"


def test_public_page_links_its_language_versions(client: CheckingClient) -> None:
    page = BeautifulSoup(client.get("/dienste?q=kita").get_data(as_text=True), "lxml")
    alternates = {
        str(link["hreflang"]): str(link["href"]) for link in page.find_all("link", rel="alternate")
    }
    assert alternates == {
        "de": "http://localhost/dienste?q=kita&lang=de",
        "en-GB": "http://localhost/dienste?q=kita&lang=en",
        "x-default": "http://localhost/dienste?q=kita",
    }
    english = BeautifulSoup(client.get(alternates["en-GB"]).get_data(as_text=True), "lxml")
    assert english.html is not None
    assert english.html["lang"] == "en-GB"


def test_switching_language_drops_the_address_choice(client: CheckingClient) -> None:
    page = client.get("/dienste/kita?lang=en")
    response = client.post(
        "/sprache",
        data={"csrf_token": csrf_token(page), "language": "de", "next": "/dienste/kita?lang=en"},
    )
    assert response.headers["Location"] == "/dienste/kita"
    german = BeautifulSoup(client.get("/dienste/kita").get_data(as_text=True), "lxml")
    assert german.html is not None
    assert german.html["lang"] == "de"
