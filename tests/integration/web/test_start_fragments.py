"""The start page's tiles are rendered once per language and kept (issue 17, server/web/
fragments.py): whoever comes next in another language gets their own, and a page behind a
prefix links under it."""

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
    assert len(app.extensions["portal_fragments"]) == 2  # kept: one per language


def test_behind_a_prefix_the_tiles_link_under_it(app: Flask, client: CheckingClient) -> None:
    plain = client.get("/").get_data(as_text=True)
    prefixed = client.get("/", base_url="http://localhost/portal/").get_data(as_text=True)
    assert 'href="/bussgeld"' in plain
    assert 'href="/portal/bussgeld"' in prefixed
    assert 'href="/bussgeld"' not in prefixed
