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
from werkzeug.test import TestResponse

LABELLESS_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}


class PageCheckError(AssertionError):
    pass


def check_page(html: str, csp: str | None) -> BeautifulSoup:
    soup = BeautifulSoup(html, "lxml")
    problems = [
        *_document_problems(soup),
        *_id_problems(soup),
        *_label_problems(soup),
        *_script_problems(soup, csp),
        *_inline_problems(soup),
    ]
    if problems:
        raise PageCheckError("; ".join(problems))
    return soup


def _document_problems(soup: BeautifulSoup) -> Iterator[str]:
    root = soup.find("html")
    if root is None or root.get("lang") not in ("de", "en-GB"):
        yield "<html> has no lang attribute of de or en-GB"
    title = soup.find("title")
    if title is None or not title.get_text(strip=True):
        yield "no <title>"


def _id_problems(soup: BeautifulSoup) -> Iterator[str]:
    ids = Counter(str(element["id"]) for element in soup.find_all(id=True))
    duplicates = sorted(value for value, times in ids.items() if times > 1)
    if duplicates:
        yield f"duplicate ids: {duplicates}"
    # An in-page link must land somewhere: skip links and error summaries included.
    for link in soup.find_all("a", href=True):
        href = str(link["href"])
        if href.startswith("#") and href != "#" and href[1:] not in ids:
            yield f"in-page link to a missing id: {str(link)[:120]}"


def _label_problems(soup: BeautifulSoup) -> Iterator[str]:
    labelled_ids = {label.get("for") for label in soup.find_all("label")}
    for field in soup.find_all(["input", "select", "textarea"]):
        if field.name == "input" and field.get("type", "text") in LABELLESS_INPUT_TYPES:
            continue
        if (
            field.get("id") in labelled_ids
            or field.get("aria-label")
            or field.get("aria-labelledby")
            or field.find_parent("label")
        ):
            continue
        yield f"form field without label: {field}"


def _script_problems(soup: BeautifulSoup, csp: str | None) -> Iterator[str]:
    nonce_match = re.search(r"'nonce-([^']+)'", csp or "")
    if nonce_match is None:
        yield "no CSP nonce in the Content-Security-Policy header"
    for script in soup.find_all("script"):
        if nonce_match is None or script.get("nonce") != nonce_match.group(1):
            yield f"script without the page's nonce: {str(script)[:120]}"


def _inline_problems(soup: BeautifulSoup) -> Iterator[str]:
    for element in soup.find_all(True):
        handlers = [name for name in element.attrs if name.lower().startswith("on")]
        if handlers:
            yield f"inline event handler {handlers} on <{element.name}>"
        if element.has_attr("style"):
            yield f"inline style attribute on <{element.name}>"


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
                check_page(text, response.headers.get("Content-Security-Policy"))
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
    check_page(wrapped, csp)


def csrf_token(response: TestResponse) -> str:
    soup = BeautifulSoup(response.get_data(as_text=True), "lxml")
    meta = soup.find("meta", attrs={"name": "csrf-token"})
    if meta is not None:
        return str(meta["content"])
    field = soup.find("input", attrs={"name": "csrf_token"})
    assert field is not None, "page has no CSRF token"
    return str(field["value"])


def element(found: object) -> Tag:
    """The element a test expects on the page (a ``find`` result): fails the test if it is
    missing, and gives mypy a ``Tag`` rather than ``Tag | None``."""
    assert isinstance(found, Tag), f"expected an element, found {found!r}"
    return found
