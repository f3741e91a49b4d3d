"""A test client that checks every HTML page it receives, the way an auditor would.

Each page must have a language, a title, unique ids, in-page links (``href="#id"``) to ids it
has, a label for every form field, no inline event handlers or style attributes, and only scripts
carrying the nonce of its own CSP header.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from bs4 import BeautifulSoup, Tag
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree
from lxml import html as lxml_html
from werkzeug.test import TestResponse

LABELLESS_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}


class PageCheckError(AssertionError):
    pass


def check_page(html: str, csp: str | None) -> BeautifulSoup:
    """Checks ``html`` and returns it parsed, for a test that looks further."""
    _check(html, csp)
    return BeautifulSoup(html, "lxml")


def _check(html: str, csp: str | None) -> None:
    # lxml's own tree, not BeautifulSoup's: the client checks every page of the suite, and
    # building a BeautifulSoup tree took most of that time (the parser is the same).
    try:
        root = lxml_html.document_fromstring(html)
    except etree.ParserError as error:
        raise PageCheckError(f"not an HTML document: {error}") from error
    elements = list(root.iter(etree.Element))
    problems = [
        *_document_problems(root),
        *_id_problems(elements),
        *_label_problems(elements),
        *_script_problems(elements, csp),
        *_inline_problems(elements),
    ]
    if problems:
        raise PageCheckError("; ".join(problems))


def _shown(element: etree._Element) -> str:
    return str(lxml_html.tostring(element, encoding="unicode", with_tail=False))[:120]


def _document_problems(root: etree._Element) -> Iterator[str]:
    if root.tag != "html" or root.get("lang") not in ("de", "en-GB"):
        yield "<html> has no lang attribute of de or en-GB"
    title = root.find(".//title")
    if title is None or not title.text_content().strip():
        yield "no <title>"


def _id_problems(elements: list[etree._Element]) -> Iterator[str]:
    ids = Counter(element.get("id") for element in elements if element.get("id") is not None)
    duplicates = sorted(str(value) for value, times in ids.items() if times > 1)
    if duplicates:
        yield f"duplicate ids: {duplicates}"
    # An in-page link must land somewhere: skip links and error summaries included.
    for link in elements:
        href = link.get("href")
        if link.tag == "a" and href and href.startswith("#") and href[1:] and href[1:] not in ids:
            yield f"in-page link to a missing id: {_shown(link)}"


def _label_problems(elements: list[etree._Element]) -> Iterator[str]:
    labelled_ids = {label.get("for") for label in elements if label.tag == "label"}
    for field in elements:
        if field.tag not in ("input", "select", "textarea"):
            continue
        if field.tag == "input" and field.get("type", "text") in LABELLESS_INPUT_TYPES:
            continue
        if (
            field.get("id") in labelled_ids
            or field.get("aria-label")
            or field.get("aria-labelledby")
            or next(field.iterancestors("label"), None) is not None
        ):
            continue
        yield f"form field without label: {_shown(field)}"


def _script_problems(elements: list[etree._Element], csp: str | None) -> Iterator[str]:
    nonce_match = re.search(r"'nonce-([^']+)'", csp or "")
    if nonce_match is None:
        yield "no CSP nonce in the Content-Security-Policy header"
    for script in elements:
        if script.tag != "script":
            continue
        if nonce_match is None or script.get("nonce") != nonce_match.group(1):
            yield f"script without the page's nonce: {_shown(script)}"


def _inline_problems(elements: list[etree._Element]) -> Iterator[str]:
    for element in elements:
        handlers = [name for name in element.attrib if name.lower().startswith("on")]
        if handlers:
            yield f"inline event handler {handlers} on <{element.tag}>"
        if "style" in element.attrib:
            yield f"inline style attribute on <{element.tag}>"


class CheckingClient(FlaskClient):
    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        # Buffered: the body is read and the app's iterable closed at once, so a static file's
        # handle is not left open (a ResourceWarning) when a test never reads the body.
        kwargs.setdefault("buffered", True)
        response = super().open(*args, **kwargs)
        if (
            response.mimetype == "text/html"
            and not response.headers.get("HX-Request")
            and response.get_data()
            and response.status_code != 204
            # Werkzeug's own "Redirecting..." stub, which no browser shows.
            and not 300 <= response.status_code < 400
        ):
            text = response.get_data(as_text=True)
            if text.lstrip().lower().startswith("<!doctype html"):
                _check(text, response.headers.get("Content-Security-Policy"))
            else:
                # An htmx fragment: no <html> of its own, but the same rules for what it holds.
                check_fragment(text, response.headers.get("Content-Security-Policy"))
        return response


def checking_client(app: Flask) -> CheckingClient:
    """``app.test_client()`` typed as what it is: the test apps make their clients
    ``CheckingClient``s (``make_test_app``), which Flask's own annotation cannot know."""
    client = app.test_client()
    assert isinstance(client, CheckingClient), "the app was not made by make_test_app"
    return client


def check_fragment(html: str, csp: str | None) -> None:
    wrapped = f"<!doctype html><html lang='de'><title>fragment</title><body>{html}</body></html>"
    _check(wrapped, csp)


def csrf_token(response: TestResponse) -> str:
    return csrf_in(response.get_data(as_text=True))


def csrf_in(html: str) -> str:
    """The CSRF token a page carries (its meta element, else its form's hidden field)."""
    root = lxml_html.document_fromstring(html)
    meta = root.find(".//meta[@name='csrf-token']")
    if meta is not None:
        return str(meta.get("content"))
    field = root.find(".//input[@name='csrf_token']")
    assert field is not None, "page has no CSRF token"
    return str(field.get("value"))


# What a browser does not show as text (BeautifulSoup's ``get_text`` leaves them out too).
_NOT_TEXT = {"script", "style", "template"}


def page_text(html: str, separator: str = "") -> str:
    """The text a page shows, whitespace collapsed: the same as BeautifulSoup's ``get_text``
    with ``separator`` between its strings, at a fraction of its cost."""

    def strings(element: etree._Element) -> Iterator[str]:
        if not isinstance(element.tag, str) or element.tag in _NOT_TEXT:
            return  # a comment or processing instruction, or text no one sees
        if element.text:
            yield element.text
        for child in element:
            yield from strings(child)
            if child.tail:
                yield child.tail

    return " ".join(separator.join(strings(lxml_html.document_fromstring(html))).split())


def element(found: object) -> Tag:
    """The element a test expects on the page (a ``find`` result): fails the test if it is
    missing, and gives mypy a ``Tag`` rather than ``Tag | None``."""
    assert isinstance(found, Tag), f"expected an element, found {found!r}"
    return found
