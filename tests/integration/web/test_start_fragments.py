"""The start page's tiles, and every page's footer, banners and drafts' texts, are rendered once
per language and kept (issue 17, server/web/fragments.py): whoever comes next in another
language gets their own, and a page behind a prefix links under it."""

from __future__ import annotations

import json

from flask import Flask, request
from lxml import html as lxml_html

from tests.checking_client import CheckingClient

GERMAN = "Knöllchen und Bußgeld"
ENGLISH = "Parking tickets and fines"


def test_each_language_gets_its_own_tiles(app: Flask, client: CheckingClient) -> None:
    for language, shown, other in [
        ("de", GERMAN, ENGLISH),
        ("en", ENGLISH, GERMAN),
        ("de", GERMAN, ENGLISH),
    ]:
        page = client.get("/", headers={"Accept-Language": language}).get_data(as_text=True)
        assert shown in page
        assert other not in page
    kept = app.extensions["portal_fragments"]
    assert sorted(key for key in kept if key[2] == "start_tiles") == [
        ("de", "", "start_tiles"),
        ("en", "", "start_tiles"),
    ]  # kept: one per language


def test_every_page_s_kept_parts_follow_its_language(app: Flask, client: CheckingClient) -> None:
    """The footer's legal links, the banners and the drafts' texts of every page are kept per
    language too: a page in the other language right after gets its own."""
    for language, shown, other in [
        ("de", ("Ein Angebot der Stadt", "Wartet auf Verbindung"), "A service of the city"),
        ("en", ("A service of the city", "Waiting for a connection"), "Ein Angebot der Stadt"),
        ("de", ("Ein Angebot der Stadt", "Wartet auf Verbindung"), "A service of the city"),
    ]:
        page = client.get("/bussgeld", headers={"Accept-Language": language})
        text = page.get_data(as_text=True)
        assert all(part in text for part in shown)
        assert other not in text


def test_behind_a_prefix_the_tiles_link_under_it(app: Flask, client: CheckingClient) -> None:
    plain = client.get("/").get_data(as_text=True)
    prefixed = client.get("/", base_url="http://localhost/portal/").get_data(as_text=True)
    assert 'href="/bussgeld"' in plain
    assert 'href="/portal/bussgeld"' in prefixed
    assert 'href="/bussgeld"' not in prefixed


def _switch(page: str) -> tuple[str, str]:
    """The language switch's way back (``next``) and its CSRF token."""
    form = lxml_html.document_fromstring(page).find(".//form[@class='portal-language']")
    assert form is not None
    fields = {field.get("name"): field.get("value") for field in form.iter("input")}
    return str(fields["next"]), str(fields["csrf_token"])


def test_the_kept_language_switch_comes_back_to_each_page(
    app: Flask, client: CheckingClient
) -> None:
    """The switch is kept per language like the footer, but each page's own address (query
    included, escaped in the attribute) and each response's token are filled in."""
    asked = [
        "/bussgeld",
        "/dienste/kita",
        "/bussgeld",  # a kept public page, the second time
        "/dienste/urkunden?suche=a\"b<c>&d='e'",
        "/konto/anmelden?next=/konto",
    ]
    for path in asked:
        page = client.get(path).get_data(as_text=True)
        with app.test_request_context(path):
            expected = request.full_path.rstrip("?")
        back, token = _switch(page)
        assert back == expected
        body = lxml_html.document_fromstring(page).find(".//body")
        assert body is not None
        assert token == json.loads(str(body.get("hx-headers")))["X-CSRFToken"]
    assert ("de", "", "language_switch") in app.extensions["portal_fragments"]
