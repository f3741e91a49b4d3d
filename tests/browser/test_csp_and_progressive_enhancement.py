"""The CSP holds in a real browser, and everything works without JavaScript."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import pass_second_factor, problems, wait_for_service_worker
from tests.conftest import LiveServer
from tests.factories import make_clerk


def test_pages_run_under_the_strict_csp_without_violations(strict_phone: Page) -> None:
    for path in ("/", "/dienste", "/dienste/bussgeld", "/offline", "/verwaltung/anmelden"):
        strict_phone.goto(path)
    # htmx and our module still work under the policy.
    strict_phone.goto("/dienste")
    strict_phone.get_by_label("Dienst suchen").fill("kita")
    expect(strict_phone.locator("#service-list li")).to_have_count(1)
    wait_for_service_worker(strict_phone)
    assert problems(strict_phone).csp_violations == []
    assert problems(strict_phone).console_errors == []


def test_an_injected_inline_script_is_blocked(strict_phone: Page) -> None:
    strict_phone.goto("/")
    blocked = strict_phone.evaluate("""() => new Promise((resolve) => {
        document.addEventListener('securitypolicyviolation', () => resolve(true));
        const script = document.createElement('script');
        script.textContent = 'window.__injected = true';
        document.body.appendChild(script);
        setTimeout(() => resolve(window.__injected !== true), 1000);
    })""")
    assert blocked


def test_search_language_and_login_work_without_javascript(
    no_script_phone: Page, live_server: LiveServer
) -> None:
    page = no_script_phone
    make_clerk(live_server.app, username="kasse")
    page.goto("/dienste")
    page.get_by_label("Dienst suchen").fill("termin")
    page.get_by_role("button", name="Suchen").click()
    expect(page).to_have_url(re.compile(r"/dienste\?q=termin"))
    expect(page.locator("#service-list li")).to_have_count(1)

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")
    expect(page).to_have_url(re.compile(r"/dienste\?q=termin"))

    page.goto("/verwaltung/anmelden")
    page.get_by_label("Username").fill("kasse")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    pass_second_factor(page, live_server, "kasse")
    expect(page.locator("h1")).to_have_text("Work overview")
