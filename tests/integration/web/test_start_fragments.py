"""The start page's tiles, and every page's footer, banners and drafts' texts, are rendered once
per language and kept (issue 17, server/web/fragments.py): whoever comes next in another
language gets their own, and a page behind a prefix links under it."""

from __future__ import annotations

from flask import Flask

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
