"""Real Chromium (Debian's package) driven by Playwright, against the portal on a live server.

Every page a test visits goes through ``visit`` or ``assert_accessible``, which runs axe-core and
fails on any WCAG 2.1 AA violation. Scanning needs ``bypass_csp`` (axe is injected); the CSP itself
is tested by the ``strict_phone`` contexts, which keep it and record every violation.
"""

from __future__ import annotations

import json
import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from tests.conftest import IN_CI, LiveServer
from tests.integration.helpers import unused_code

# Two browsers and two servers share two cores in CI: give pages time to settle before an
# expectation fails (a passing expectation returns as soon as it holds).
expect.set_options(timeout=15_000)

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
AXE = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.2 AA (ISO/IEC 40500:2025): 2.1 AA plus target size, focus not obscured and the rest.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PHONE = "Pixel 7"

pytestmark = pytest.mark.browser


def _missing(what: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} (CI never skips browser tests)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    if not AXE.exists():
        _missing(f"axe-core is missing at {AXE} (cd frontend && npm ci)")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@dataclass
class PageProblems:
    console_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)


def _new_context(
    playwright: Playwright,
    browser: Browser,
    live_server: LiveServer,
    *,
    bypass_csp: bool,
    **options: object,
) -> BrowserContext:
    device = dict(playwright.devices[PHONE])
    device.pop("default_browser_type", None)
    settings = {
        **device,
        "locale": "de-DE",
        "base_url": live_server.url,
        "bypass_csp": bypass_csp,
        "service_workers": "allow",
        **options,
    }
    return browser.new_context(**settings)  # type: ignore[arg-type]


# What each watched page's console reported, kept beside the page rather than on it.
_problems: weakref.WeakKeyDictionary[Page, PageProblems] = weakref.WeakKeyDictionary()


def problems(page: Page) -> PageProblems:
    """The console errors and CSP violations of a page the fixtures watch (``phone``,
    ``strict_phone``)."""
    return _problems[page]


def _watch(page: Page) -> PageProblems:
    watched = _problems[page] = PageProblems()

    def on_console(message) -> None:
        if message.type == "error":
            watched.console_errors.append(message.text)
            if "Content Security Policy" in message.text:
                watched.csp_violations.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: watched.console_errors.append(str(error)))
    return watched


@pytest.fixture
def phone(playwright: Playwright, browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A Pixel 7 page, axe-ready (CSP bypassed for the scanner)."""
    context = _new_context(playwright, browser, live_server, bypass_csp=True)
    page = context.new_page()
    _watch(page)
    yield page
    context.close()


@pytest.fixture
def strict_phone(
    playwright: Playwright, browser: Browser, live_server: LiveServer
) -> Iterator[Page]:
    """A Pixel 7 page that keeps the CSP and records its violations."""
    context = _new_context(playwright, browser, live_server, bypass_csp=False)
    page = context.new_page()
    _watch(page)
    yield page
    context.close()


@pytest.fixture
def phone_without_worker(
    playwright: Playwright, browser: Browser, live_server: LiveServer
) -> Iterator[Page]:
    """A Pixel 7 page whose requests all reach the network (and so a test's routes): no
    service worker answers them from its cache."""
    context = _new_context(
        playwright, browser, live_server, bypass_csp=True, service_workers="block"
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def no_script_phone(
    playwright: Playwright, browser: Browser, live_server: LiveServer
) -> Iterator[Page]:
    """A Pixel 7 page with JavaScript switched off: progressive enhancement must hold."""
    context = _new_context(
        playwright, browser, live_server, bypass_csp=True, java_script_enabled=False
    )
    page = context.new_page()
    yield page
    context.close()


def assert_accessible(page: Page) -> None:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))",
        WCAG_AA,
    )
    assert result == [], f"axe found WCAG 2.2 AA violations on {page.url}:\n" + json.dumps(
        result, indent=2, ensure_ascii=False
    )


def visit(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None, path
    assert response.ok, f"{path}: {response.status}"
    assert_accessible(page)


def wait_for_service_worker(page: Page) -> None:
    page.wait_for_function(
        "() => navigator.serviceWorker && navigator.serviceWorker.controller !== null",
        timeout=15000,
    )


def pass_second_factor(page: Page, live_server: LiveServer, username: str) -> None:
    """On the code page after the password: type the code the clerk's app shows now (found by
    field name, so that it works in every language)."""
    page.wait_for_url("**/verwaltung/anmelden/code")
    page.locator("#clerk-code input[name=code]").fill(unused_code(live_server.app, username))
    page.locator("#clerk-code button[type=submit]").click()


@contextmanager
def clerk_desk(browser: Browser, live_server: LiveServer, username: str) -> Iterator[Page]:
    """A clerk at a desktop, logged in to the back office with password and second factor
    (axe-ready: CSP bypassed)."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        locale="de-DE",
        base_url=live_server.url,
        bypass_csp=True,
        # The service worker's update check runs beside each navigation with the cookie of the
        # moment; with cookie sessions its response can put back a session without the CSRF
        # token the page just got (first form after login: 400). The back office needs no
        # service worker; the phone tests cover it.
        service_workers="block",
    )
    page = context.new_page()
    try:
        page.goto("/verwaltung/anmelden")
        page.get_by_label("Benutzername").fill(username)
        page.get_by_label("Passwort").fill("correct horse battery")
        page.get_by_role("button", name="Anmelden").click()
        pass_second_factor(page, live_server, username)
        page.wait_for_url("**/verwaltung/")
        yield page
    finally:
        context.close()
