"""Every route answers with the security headers; personal pages are never cacheable."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from werkzeug.test import TestResponse
from werkzeug.wrappers import Response

from server.config import ConfigurationError, load_config
from server.security import vary_on
from tests.checking_client import CheckingClient, csrf_token
from tests.conftest import make_test_app
from tests.factories import make_clerk
from tests.integration.helpers import log_in_clerk

SAMPLE_ARGUMENTS = {
    "slug": "kita",
    "filename": "css/portal.css",
    "token": "no-such-token",
    "code": "AAAA-BBBB-CCCC-DDDD",
    "kassenzeichen": "400000000018",
    "request_id": "no-such-request",
    "provider": "sandbox",
    "transaction_id": "SBX-none",
    "originator_id": "buergerportal",
    "endpoint_id": "musterstadt",
    "receivable_id": 1,
    "clarification_id": 1,
    "refund_id": 1,
    "aktenzeichen": "BG-2026-000001",
    "statement_id": 1,
    "upload_id": 1,
    "case_id": 1,
    "short_id": "0123456789ab",
    "service": "kita-anmeldung",
    "step": "kind",
    "reference": "KITA-2026-000001",
    "submission_id": 1,
    "clerk_id": 1,
    "key_id": 1,
    "name": "no-such-video.mp4",
    "number": "T-0000-0000",
    "location_id": 1,
    "booking_id": 1,
    "service_id": 1,
    "counter_id": 1,
    "mail_id": 1,
}


def assert_security_headers(response: TestResponse, where: str) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp, f"{where}: CSP lacks {directive}"
    assert re.search(r"script-src 'self' 'nonce-[A-Za-z0-9_-]{20,}'", csp), where
    assert "unsafe-inline" not in csp, where
    assert "'unsafe-eval'" not in csp, where
    assert response.headers["Strict-Transport-Security"].startswith("max-age="), where
    assert response.headers["X-Content-Type-Options"] == "nosniff", where
    assert response.headers["Referrer-Policy"] == "same-origin", where
    assert response.headers["X-Frame-Options"] == "DENY", where


def test_every_route_sends_the_security_headers(app: Flask, client: CheckingClient) -> None:
    walked = 0
    for rule in app.url_map.iter_rules():
        built = rule.build(
            {name: SAMPLE_ARGUMENTS[name] for name in rule.arguments}, append_unknown=False
        )
        assert built is not None, rule
        url = built[1]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert_security_headers(response, f"{method} {url}")
            walked += 1
    assert walked >= 10


def test_each_response_has_its_own_nonce(client: CheckingClient) -> None:
    first = client.get("/").headers["Content-Security-Policy"]
    second = client.get("/").headers["Content-Security-Policy"]
    assert first != second


def vary_of(response: TestResponse) -> list[str]:
    return [part.strip() for part in response.headers.get("Vary", "").split(",") if part.strip()]


def test_caches_keep_pages_apart_by_cookie_fragment_and_encoding(client: CheckingClient) -> None:
    """A page for a visitor who gets the signed cookie, and for one who sends it back: each
    name in Vary once, whatever layer added it. Pages are never compressed (BREACH), so they
    do not vary by encoding; static text is compressed and does."""
    for _ in range(2):
        response = client.get("/", headers={"Accept-Encoding": "br"})
        assert "Content-Encoding" not in response.headers
        assert sorted(vary_of(response)) == ["Cookie", "HX-Request"]
    fragment = client.get("/", headers={"HX-Request": "true"})
    assert vary_of(fragment).count("HX-Request") == 1
    style = client.get("/static/css/portal.css", headers={"Accept-Encoding": "br"})
    assert style.headers["Content-Encoding"] == "br"
    assert vary_of(style).count("Accept-Encoding") == 1
    style.close()


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (None, "Cookie, HX-Request"),
        ("Accept-Language", "Accept-Language, Cookie, HX-Request"),
        ("cookie, Accept-Language", "cookie, Accept-Language, HX-Request"),
    ],
)
def test_vary_gets_each_name_once(before: str | None, after: str) -> None:
    response = Response()
    if before is not None:
        response.headers["Vary"] = before
    vary_on(response, "Cookie", "HX-Request")
    assert response.headers["Vary"] == after


def test_public_pages_revalidate_and_personal_pages_are_never_stored(
    client: CheckingClient,
) -> None:
    assert client.get("/").headers["Cache-Control"] == "private, no-cache"
    assert client.get("/verwaltung/anmelden").headers["Cache-Control"] == "no-store"
    make_clerk(client.application, username="clerk")
    log_in_clerk(client, "clerk")
    overview = client.get("/verwaltung/")
    assert overview.headers["Cache-Control"] == "no-store"
    assert 'hx-history="false"' in overview.get_data(as_text=True)
    # The start page holds nothing of the session: the worker keeps it for everybody.
    assert client.get("/").headers["Cache-Control"] == "private, no-cache"
    assert client.get("/verwaltung/antraege/").headers["Cache-Control"] == "no-store"


def test_versioned_static_files_are_immutable(client: CheckingClient) -> None:
    versioned = client.get("/static/css/portal.css?v=abc")
    assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get("/static/css/portal.css").headers["Cache-Control"] == "no-cache"


def test_session_cookie_is_plain_over_http(client: CheckingClient) -> None:
    response = client.get("/")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("portal_session=")
    assert "HttpOnly" in cookie


def test_session_cookie_is_a_secure_host_cookie_over_https(backend: str) -> None:
    app = make_test_app(backend, PORTAL_BASE_URL="https://portal.example.de")
    response = app.test_client().get("/", base_url="https://portal.example.de")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-portal_session=")
    assert "Secure" in cookie
    assert "Path=/" in cookie
    assert "Domain" not in cookie


def test_production_refuses_to_start_without_secret_key() -> None:
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        load_config(environ={"PORTAL_ENV": "production"})
    config = load_config(
        environ={"PORTAL_ENV": "production", "SECRET_KEY": "s" * 32, "PAYMENT_PROVIDER": "x"}
    )
    assert config["SECRET_KEY"] == "s" * 32


def test_htmx_posts_carry_the_csrf_token_in_a_header(client: CheckingClient) -> None:
    token = csrf_token(client.get("/"))
    refused = client.post("/sprache", data={"language": "en"}, headers={"HX-Request": "true"})
    assert refused.status_code == 400
    accepted = client.post(
        "/sprache", data={"language": "en"}, headers={"HX-Request": "true", "X-CSRFToken": token}
    )
    assert accepted.status_code == 204
    assert accepted.headers["HX-Redirect"] == "/"


def test_only_the_scanner_page_may_compile_webassembly(client: CheckingClient) -> None:
    scanner = client.get("/bussgeld/scannen").headers["Content-Security-Policy"]
    assert "'wasm-unsafe-eval'" in scanner
    assert "unsafe-inline" not in scanner
    assert "'wasm-unsafe-eval'" not in client.get("/").headers["Content-Security-Policy"]
