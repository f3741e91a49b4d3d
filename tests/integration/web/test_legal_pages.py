"""The legal pages (legal notice, privacy, accessibility statement, Leichte Sprache, sign
language): in every page's footer, in German and English, overridable by the city, never a way
to inject HTML; and the accessibility feedback form reaching the citizens' office."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from werkzeug.test import TestResponse

from server.auth.roles import Role
from server.extensions import db
from server.web.legal import SignLanguageConfigError
from tests.checking_client import CheckingClient, checking_client, csrf_token, element
from tests.conftest import make_test_app
from tests.factories import make_clerk
from tests.integration.accounts_helpers import mails_to
from tests.integration.helpers import log_in_clerk

# address: (German title, a phrase of the German text, a phrase of the English text)
LEGAL = {
    "/impressum": ("Impressum", "Herausgeberin", "Publisher"),
    "/datenschutz": ("Datenschutzhinweise", "Verantwortliche Stelle", "Data protection officer"),
    "/barrierefreiheit": (
        "Erklärung zur Barrierefreiheit",
        "Stand der Vereinbarkeit",
        "Compliance status",
    ),
    "/leichte-sprache": ("Leichte Sprache", "Das ist das Bürgerportal", "How to use the portal"),
    "/gebaerdensprache": ("Gebärdensprache", "Deutscher Gebärdensprache", "German Sign Language"),
}
FEEDBACK = "/antraege/barrierefreiheit-feedback"
JSON = {"Accept": "application/json"}


def soup(response: TestResponse) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "lxml")


def footer_links(page: BeautifulSoup) -> set[str]:
    footer = page.find("footer")
    assert footer is not None
    return {str(a["href"]) for a in footer.find_all("a")}


@pytest.fixture
def city_app(backend: str, tmp_path: Path) -> tuple[Flask, Path]:
    """The portal with the city's own content folder (filled by each test before requests)."""
    folder = tmp_path / "legal"
    (folder / "gebaerdensprache").mkdir(parents=True)
    return _app(backend, folder), folder


def _app(backend: str, folder: Path) -> Flask:
    app = make_test_app(backend, LEGAL_CONTENT_DIR=str(folder))
    with app.app_context():
        db.engine.dispose()
    return app


@pytest.mark.parametrize(
    "path", ["/", "/bussgeld", "/zahlungen/", "/konto", "/dienste", "/verwaltung/anmelden", *LEGAL]
)
def test_every_page_links_the_legal_pages_in_its_footer(client: CheckingClient, path: str) -> None:
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 200, path
    assert set(LEGAL) <= footer_links(soup(response)), path


@pytest.mark.parametrize("language", ["de", "en"])
def test_each_legal_page_has_its_title_and_content(client: CheckingClient, language: str) -> None:
    for path, (title, german, english) in LEGAL.items():
        response = client.get(path, headers={"Accept-Language": language})
        assert response.status_code == 200, path
        page = soup(response)
        assert str(element(page.html)["lang"]).startswith(language)
        main = element(page.find("main"))
        assert (english if language == "en" else german) in main.get_text(), path
        if language == "de":
            assert element(page.h1).get_text(strip=True) == title, path
        assert element(page.h1).get_text(strip=True), path
        assert len(main.get_text(strip=True)) > 300, path
        assert main.find("h1") is page.h1, path
        assert len(main.find_all("h1")) == 1, path


def test_the_statements_carry_what_the_law_asks(client: CheckingClient) -> None:
    impressum = element(soup(client.get("/impressum")).main).get_text()
    for words in ("Rathausplatz 1", "Der Oberbürgermeister", "§ 18", "Aufsichtsbehörde"):
        assert words in impressum
    privacy = element(soup(client.get("/datenschutz")).main).get_text()
    for words in ("Datenschutzbeauftragte", "Art", "Landesbeauftragte", "portal_session"):
        assert words in privacy
    statement = soup(client.get("/barrierefreiheit"))
    text = element(statement.main).get_text()
    for words in ("teilweise vereinbar", "(WCAG) 2.2", "EN 301 549", "Ombudsstelle", "2026"):
        assert words in text
    form_link = element(statement.main).find("a", href=FEEDBACK)
    assert form_link is not None
    assert "Barriere melden" in form_link.get_text()


def test_the_feedback_form_is_no_tile_of_the_start_page(client: CheckingClient) -> None:
    assert "barrierefreiheit-feedback" not in client.get("/").get_data(as_text=True)


def test_without_videos_the_sign_language_page_says_so_and_offers_contact(
    client: CheckingClient,
) -> None:
    page = soup(client.get("/gebaerdensprache"))
    assert page.find("video") is None
    assert "gibt es hier noch nicht" in element(page.main).get_text()
    assert element(page.main).find("a", href="/antraege/kontakt") is not None
    english = soup(client.get("/gebaerdensprache", headers={"Accept-Language": "en"}))
    assert english.find("video") is None
    assert client.get("/gebaerdensprache/dateien/video.mp4").status_code == 404


def test_the_city_overrides_a_page_and_raw_html_stays_text(
    city_app: tuple[Flask, Path],
) -> None:
    app, folder = city_app
    (folder / "impressum.de.md").write_text(
        "## Stadt Beispielheim\n\n<script>alert(1)</script> <b>fett</b>\n\n"
        "[klick](javascript:alert(1)) [Rathaus](https://beispielheim.de)\n",
        encoding="utf-8",
    )
    client = checking_client(app)
    body = client.get("/impressum").get_data(as_text=True)
    assert "Stadt Beispielheim" in body
    assert "Rathausplatz 1" not in body  # Musterstadt's default is replaced
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<b>" not in body
    assert "&lt;b&gt;fett&lt;/b&gt;" in body
    assert 'href="javascript:' not in body
    assert 'href="https://beispielheim.de"' in body
    # English falls back to the city's German text, not to Musterstadt's English one.
    english = client.get("/impressum", headers={"Accept-Language": "en"})
    assert "Stadt Beispielheim" in english.get_data(as_text=True)
    # Pages the city did not write keep the shipped default.
    assert "Datenschutzbeauftragte" in client.get("/datenschutz").get_data(as_text=True)


def test_a_configured_video_plays_from_the_portal_with_captions(
    city_app: tuple[Flask, Path],
) -> None:
    app, folder = city_app
    videos = folder / "gebaerdensprache"
    (videos / "portal.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)
    (videos / "portal.de.vtt").write_text(
        "WEBVTT\n\n00:00.000 --> 00:02.000\nWillkommen\n", encoding="utf-8"
    )
    (videos / "portal.de.md").write_text("Willkommen im Bürgerportal.", encoding="utf-8")
    (videos / "videos.json").write_text(
        json.dumps(
            [
                {
                    "file": "portal.mp4",
                    "title": {"de": "Das Bürgerportal", "en": "The citizen portal"},
                    "captions": {"de": "portal.de.vtt"},
                    "transcript": {"de": "portal.de.md"},
                }
            ]
        ),
        encoding="utf-8",
    )
    (videos / "geheim.txt").write_text("nicht ausliefern", encoding="utf-8")
    app = _app(str(app.config["DATABASE_URL"]), folder)  # reads videos.json at start
    client = checking_client(app)
    page = soup(client.get("/gebaerdensprache"))
    video = page.find("video")
    assert video is not None
    source = element(video.find("source"))
    assert source["src"] == "/gebaerdensprache/dateien/portal.mp4"
    track = element(video.find("track"))
    assert track["kind"] == "captions"
    assert track["srclang"] == "de"
    assert track["src"] == "/gebaerdensprache/dateien/portal.de.vtt"
    assert "Willkommen im Bürgerportal." in element(page.main).get_text()
    assert "Das Bürgerportal" in element(page.main).get_text()
    served = client.get(track["src"])
    assert served.status_code == 200
    assert served.mimetype == "text/vtt"
    assert client.get(source["src"]).mimetype == "video/mp4"
    assert client.get("/gebaerdensprache/dateien/geheim.txt").status_code == 404
    assert client.get("/gebaerdensprache/dateien/videos.json").status_code == 404


def test_a_video_without_captions_refuses_the_start(backend: str, tmp_path: Path) -> None:
    videos = tmp_path / "gebaerdensprache"
    videos.mkdir()
    (videos / "portal.mp4").write_bytes(b"x")
    (videos / "videos.json").write_text(json.dumps([{"file": "portal.mp4"}]), encoding="utf-8")
    with pytest.raises(SignLanguageConfigError):
        make_test_app(backend, LEGAL_CONTENT_DIR=str(tmp_path))
    (videos / "videos.json").write_text(
        json.dumps([{"file": "../portal.mp4", "captions": {"de": "x.vtt"}}]), encoding="utf-8"
    )
    with pytest.raises(SignLanguageConfigError):
        make_test_app(backend, LEGAL_CONTENT_DIR=str(tmp_path))


def test_feedback_reaches_the_citizens_office_and_the_citizen_gets_a_confirmation(
    client: CheckingClient,
) -> None:
    statement = soup(client.get("/barrierefreiheit"))
    form_link = element(element(statement.main).find("a", href=FEEDBACK))
    start = client.get(form_link["href"], follow_redirects=True)
    assert start.status_code == 200
    token = csrf_token(start)
    sent = client.post(
        f"{FEEDBACK}/absenden",
        data={
            "submission_id": str(uuid.uuid4()),
            "seite": "/bussgeld",
            "problem": "Der Knopf zum Scannen wird vom Screenreader nicht vorgelesen.",
            "name": "",
            "email": "erika@example.de",
        },
        headers={**JSON, "X-CSRFToken": token},
    )
    assert sent.status_code in (200, 201), sent.get_data(as_text=True)
    reference = sent.get_json()["reference"]
    assert reference.startswith("BFR")
    mails = mails_to(client.application, "erika@example.de")
    assert len(mails) == 1
    assert reference in mails[0].subject

    make_clerk(client.application, username="buergerbuero", roles=[Role.CITIZEN_OFFICE])
    clerk = checking_client(client.application)
    log_in_clerk(clerk, "buergerbuero")
    overview = clerk.get("/verwaltung/").get_data(as_text=True)
    assert "Meldungen zur Barrierefreiheit" in overview
    inbox = clerk.get("/verwaltung/antraege/barrierefreiheit-feedback/")
    assert inbox.status_code == 200
    assert reference in inbox.get_data(as_text=True)


def test_feedback_without_an_address_is_accepted_and_sends_no_mail(
    client: CheckingClient,
) -> None:
    token = csrf_token(client.get("/barrierefreiheit"))
    sent = client.post(
        f"{FEEDBACK}/absenden",
        data={"submission_id": str(uuid.uuid4()), "seite": "Startseite", "problem": "Kontrast"},
        headers={**JSON, "X-CSRFToken": token},
    )
    assert sent.status_code in (200, 201), sent.get_data(as_text=True)
    missing = client.post(
        f"{FEEDBACK}/absenden",
        data={"submission_id": str(uuid.uuid4()), "seite": "", "problem": ""},
        headers={**JSON, "X-CSRFToken": token},
    )
    assert missing.status_code == 422
    assert set(missing.get_json()["errors"]) == {"seite", "problem"}
