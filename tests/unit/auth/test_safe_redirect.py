"""The ``next`` rule: only a same-origin path, as a browser reads it, and never the raw input."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from server.security import safe_redirect_target

# Known open-redirect bypasses: every one would leave the portal (or smuggle a header) if accepted.
BYPASSES = [
    "//evil.example",
    "//evil.example/phish",
    "/\\evil.example",
    "\\/evil.example",
    "\\\\evil.example",
    "/%09/evil.example",  # as sent; a decoding proxy or framework would make it /<tab>/
    "/\t/evil.example",  # what Werkzeug hands over after decoding %09 in the query
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "\x00//evil.example",
    "/\x00/evil",
    "///evil.example",
    "/%2F/evil.example",
    "/%2f/evil.example",
    "/%5C/evil.example",
    "/%5c%5cevil.example",
    "https://evil.example",
    "HTTPS://evil.example",
    "http:evil.example",
    "http:/evil.example",
    "http:\\\\evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "//evil.example@portal",
    "evil.example",
    "／／evil.example",  # fullwidth solidus
    "/／evil.example",
    "/＼evil.example",  # fullwidth reverse solidus
    "/﹨evil.example",  # small reverse solidus
    "/\u200b/evil.example",  # zero-width space (format character)
    "/\u2028/evil.example",  # line separator
    "/konto\r\nSet-Cookie: a=b",
    "/konto\n",
    "/konto\x7f",
    "/konto\x85",
    "",
    None,
    "/" + "a" * 5000,
]

GOOD = {
    "/": "/",
    "/konto": "/konto",
    "/verwaltung/": "/verwaltung/",
    "/verwaltung/?status=offen&seite=2#liste": "/verwaltung/?status=offen&seite=2#liste",
    "/.//evil": "/.//evil",  # a path on this host: https://portal//evil
    "/javascript:alert(1)": "/javascript:alert(1)",
    "/a//b": "/a//b",
    "/suche?q=a%2Fb": "/suche?q=a%2Fb",
    " /konto ": "/konto",
    "/a\\b": "/a/b",
    "/straße": "/stra%C3%9Fe",
    "/suche?q=Müller Meier": "/suche?q=M%C3%BCller%20Meier",
}


@pytest.mark.parametrize("target", BYPASSES)
def test_known_bypasses_are_refused(target: str | None) -> None:
    assert safe_redirect_target(target) is None


@pytest.mark.parametrize(("target", "expected"), GOOD.items())
def test_same_origin_paths_are_kept_normalised(target: str, expected: str) -> None:
    assert safe_redirect_target(target) == expected


def test_anything_but_text_is_refused() -> None:
    assert safe_redirect_target(["/konto"]) is None
    assert safe_redirect_target(b"/konto") is None


def whatwg(url: str) -> str:
    """A browser's view, written independently: trim C0/space, drop tab/LF/CR, ``\\`` → ``/``."""
    trimmed = url.strip("".join(map(chr, range(0x21))))
    return "".join(c for c in trimmed if c not in "\t\n\r").replace("\\", "/")


def assert_local_path(url: str) -> None:
    parts = urlsplit(url)
    assert parts.scheme == ""
    assert parts.netloc == ""
    assert url.startswith("/")
    assert url[1:2] not in ("/", "\\")
    assert not any(unicodedata.category(c).startswith("C") for c in url)


URL_ALPHABET = st.sampled_from(
    [*"/\\:@.%?#&=ab09 \t\n\r\x00\x0b\x1f\x7f", "％", "／", "＼", "%2F", "%5C", "%09", "http"]
)
URL_LIKE = st.lists(URL_ALPHABET, max_size=12).map("".join)


@given(st.one_of(st.text(), URL_LIKE))
@example("/%09/evil.example")
@example("/\t/evil.example")
@example(" \\/evil")
@example("//／")  # urllib raises for a host that NFKC folds into "/"
def test_any_result_is_a_same_origin_path_to_us_and_to_a_browser(target: str) -> None:
    result = safe_redirect_target(target)
    if result is None:
        return
    assert_local_path(result)
    assert_local_path(whatwg(result))
    assert result.isascii()  # fit for a Location or HX-Redirect header
    assert " " not in result
    assert safe_redirect_target(result) == result


@given(URL_LIKE)
def test_a_target_a_browser_reads_as_another_host_is_refused(target: str) -> None:
    view = whatwg(target)
    if not view.startswith("/") or view.startswith("//") or urlsplit(view).netloc:
        assert safe_redirect_target(target) is None
