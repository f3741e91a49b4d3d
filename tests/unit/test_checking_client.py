"""The page check every test client runs finds each problem it is there for."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from tests.checking_client import PageCheckError, check_fragment, check_page, page_text

CSP = "default-src 'self'; script-src 'nonce-abc'"
GOOD = (
    "<!doctype html><html lang='de'><head><title>Seite</title>"
    "<script nonce='abc' src='/a.js'></script></head><body>"
    "<a href='#inhalt'>Zum Inhalt</a><main id='inhalt'>"
    "<label for='name'>Name</label><input id='name' name='name'>"
    "<label>Ort <input name='ort'></label><input type='hidden' name='csrf_token' value='x'>"
    "<select aria-label='Sprache'><option>de</option></select></main></body></html>"
)


def test_a_good_page_passes_and_comes_back_parsed() -> None:
    soup = check_page(GOOD, CSP)
    assert soup.find("title") is not None


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("lang='de'", "lang='fr'"), "no lang attribute"),
        (("<title>Seite</title>", "<title> </title>"), "no <title>"),
        (("id='inhalt'", "id='name'"), "duplicate ids: ['name']"),
        (("href='#inhalt'", "href='#fehlt'"), "in-page link to a missing id"),
        (("<label for='name'>Name</label>", ""), 'form field without label: <input id="name"'),
        (("nonce='abc'", "nonce='xyz'"), "script without the page's nonce"),
        (("<main id", "<main onclick='go()' id"), "inline event handler ['onclick'] on <main>"),
        (("<main id", "<main style='color:red' id"), "inline style attribute on <main>"),
    ],
)
def test_each_problem_is_found(change: tuple[str, str], problem: str) -> None:
    with pytest.raises(PageCheckError, match=re.escape(problem)):
        check_page(GOOD.replace(*change), CSP)


def test_a_page_without_a_nonce_in_its_policy_fails() -> None:
    with pytest.raises(PageCheckError, match="no CSP nonce"):
        check_page(GOOD, "default-src 'self'")


def test_a_fragment_is_held_to_the_same_rules() -> None:
    check_fragment("<p id='a'>Text</p>", CSP)
    with pytest.raises(PageCheckError, match="duplicate ids"):
        check_fragment("<p id='a'>Text</p><p id='a'>Mehr</p>", CSP)


@pytest.mark.parametrize("separator", ["", " "])
def test_page_text_is_what_beautifulsoup_would_give(separator: str) -> None:
    page = (
        "<!doctype html><html><head><title>T</title><style>p{}</style><script>var a=1</script>"
        "</head><body><p>a<b>b</b></p><!-- c -->d<template><p>tpl</p></template>e"
        "<noscript>ns</noscript><p>x&amp;y\n  z</p></body></html>"
    )
    expected = " ".join(BeautifulSoup(page, "lxml").get_text(separator).split())
    assert page_text(page, separator) == expected
