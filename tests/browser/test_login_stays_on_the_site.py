"""A crafted ``next`` in a login link never takes the browser off the portal: not after a
citizen's password login (htmx's ``HX-Redirect``), not after a clerk's password and code."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, urlsplit

from playwright.sync_api import Browser, Page, expect

from server.auth.roles import Role
from tests.browser.conftest import pass_second_factor
from tests.checking_client import checking_client
from tests.conftest import LiveServer
from tests.factories import make_clerk
from tests.integration.accounts_helpers import PASSWORD, registered_account

# As an attacker would put them into a link: percent-encoded, so that the browser sends them.
CRAFTED = [
    "/%09/attacker.example/phish",
    "/%5Cattacker.example",
    "https://attacker.example/",
    "%EF%BC%8F%EF%BC%8Fattacker.example",
]
EMAIL = "erika.next@example.org"


@contextmanager
def watched_page(browser: Browser, live_server: LiveServer) -> Iterator[tuple[Page, list[str]]]:
    """A fresh browser and the hosts of every request it makes."""
    context = browser.new_context(locale="de-DE", base_url=live_server.url, service_workers="block")
    page = context.new_page()
    hosts: list[str] = []
    page.on("request", lambda request: hosts.append(urlsplit(request.url).netloc))
    try:
        yield page, hosts
    finally:
        context.close()


def test_no_next_takes_a_citizen_or_a_clerk_off_the_site(
    browser: Browser, live_server: LiveServer
) -> None:
    app = live_server.app
    client = checking_client(app)
    registered_account(app, client, EMAIL)
    make_clerk(app, username="bussgeld", roles=[Role.FINES])
    own_host = urlsplit(live_server.url).netloc

    for crafted in CRAFTED:
        with watched_page(browser, live_server) as (page, hosts):
            page.goto(f"/konto?next={crafted}")
            page.get_by_label("E-Mail-Adresse").fill(EMAIL)
            page.get_by_label("Passwort", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Mit Passwort anmelden").click()
            expect(page.get_by_text(EMAIL).first).to_be_visible()
            assert urlsplit(page.url).netloc == own_host, (crafted, page.url)
            assert set(hosts) == {own_host}, (crafted, hosts)

    for crafted in CRAFTED[:2]:
        with watched_page(browser, live_server) as (page, hosts):
            page.goto(f"/verwaltung/anmelden?next={crafted}")
            page.get_by_label("Benutzername").fill("bussgeld")
            page.get_by_label("Passwort").fill("correct horse battery")
            page.get_by_role("button", name="Anmelden").click()
            pass_second_factor(page, live_server, "bussgeld")
            expect(page.locator("h1")).to_be_visible()
            page.wait_for_load_state("networkidle")
            assert urlsplit(page.url).netloc == own_host, (crafted, page.url)
            assert urlsplit(page.url).path.startswith("/verwaltung"), (crafted, page.url)
            assert set(hosts) == {own_host}, (crafted, hosts)


def test_a_same_site_next_is_still_followed(browser: Browser, live_server: LiveServer) -> None:
    app = live_server.app
    registered_account(app, checking_client(app), EMAIL)
    with watched_page(browser, live_server) as (page, _):
        page.goto(f"/konto?next={quote('/bussgeld')}")
        page.get_by_label("E-Mail-Adresse").fill(EMAIL)
        page.get_by_label("Passwort", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Mit Passwort anmelden").click()
        expect(page).to_have_url(f"{live_server.url}/bussgeld")
