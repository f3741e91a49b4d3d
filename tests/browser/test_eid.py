"""The eID login in a real browser, against the npm oidc-provider."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from tests.browser.conftest import PHONE, assert_accessible, problems
from tests.conftest import LiveServer, free_port, serving
from tests.peers.oidc.fixtures import OidcProvider


@pytest.fixture
def eid_portal(backend: str, oidc_provider: OidcProvider) -> Iterator[LiveServer]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    op = oidc_provider.start(
        redirect_uris=[f"{base}/auth/eid/callback"], post_logout_redirect_uris=[f"{base}/konto"]
    )
    with serving(
        backend,
        OIDC_ISSUER=op.issuer,
        OIDC_CLIENT_ID=op.client_id,
        OIDC_CLIENT_SECRET=op.client_secret,
        port=port,
    ) as live:
        yield live


def test_citizen_logs_in_with_the_eid_and_out_again(
    playwright: Playwright, browser: Browser, eid_portal: LiveServer
) -> None:
    device = dict(playwright.devices[PHONE])
    device.pop("default_browser_type", None)
    context = browser.new_context(
        **device, locale="de-DE", base_url=eid_portal.url, bypass_csp=True
    )
    page = context.new_page()
    try:
        page.goto("/")
        page.get_by_role("link", name="Mein Konto").click()
        assert_accessible(page)
        page.get_by_role("link", name="Mit Online-Ausweis anmelden").click()
        page.get_by_label("Testperson").fill("erika")
        page.get_by_role("button", name="Anmelden").click()
        expect(page.locator("h1")).to_have_text("Mein Konto")
        expect(page.get_by_text("Erika Mustermann")).to_be_visible()
        expect(page.get_by_text("Heidestraße 17, 51147 Köln")).to_be_visible()
        assert_accessible(page)
        page.get_by_role("button", name="Abmelden", exact=True).click()
        page.wait_for_url(lambda url: "/konto" not in url)  # at the provider
        page.get_by_role("button", name="Abmelden").click()  # the provider's confirmation
        expect(page.get_by_role("link", name="Mit Online-Ausweis anmelden")).to_be_visible()
    finally:
        context.close()


def test_signing_out_everywhere_ends_the_session_on_the_other_device(
    playwright: Playwright, browser: Browser, eid_portal: LiveServer
) -> None:
    phone_device = dict(playwright.devices[PHONE])
    phone_device.pop("default_browser_type", None)
    phone = browser.new_context(
        **phone_device, locale="de-DE", base_url=eid_portal.url, bypass_csp=True
    )
    desk = browser.new_context(locale="de-DE", base_url=eid_portal.url)
    try:
        pages = []
        for context in (phone, desk):
            page = context.new_page()
            page.goto("/konto")
            page.get_by_role("link", name="Mit Online-Ausweis anmelden").click()
            page.get_by_label("Testperson").fill("erika")
            page.get_by_role("button", name="Anmelden").click()
            expect(page.get_by_text("Erika Mustermann")).to_be_visible()
            pages.append(page)
        on_phone, on_desk = pages
        on_phone.reload()
        devices = on_phone.get_by_role("region", name="Angemeldete Geräte")
        expect(devices.get_by_role("listitem")).to_have_count(2)
        expect(devices.get_by_text("Chrome auf Android")).to_be_visible()
        expect(devices.get_by_text("(dieses Gerät)")).to_be_visible()
        assert_accessible(on_phone)
        on_phone.get_by_role("button", name="Überall abmelden").click()
        on_phone.wait_for_url(lambda url: "/konto" not in url)  # at the provider
        on_phone.get_by_role("button", name="Abmelden").click()  # the provider's confirmation
        expect(on_phone.get_by_text("Sie sind jetzt auf allen Geräten abgemeldet.")).to_be_visible()
        on_desk.reload()
        expect(on_desk.get_by_role("link", name="Mit Online-Ausweis anmelden")).to_be_visible()
        expect(on_desk.get_by_text("Erika Mustermann")).to_have_count(0)
    finally:
        phone.close()
        desk.close()


def log_in_as_erika(page: Page) -> list[str]:
    """From the account page through the development provider; the provider URLs visited."""
    visited: list[str] = []
    page.on("request", lambda request: visited.append(request.url))
    page.goto("/konto")
    page.get_by_role("link", name="Mit Online-Ausweis anmelden").click()
    expect(page.locator("h1")).to_have_text("Mit Online-Ausweis anmelden")
    expect(page.get_by_text("Entwicklungsumgebung")).to_be_visible()
    return visited


def test_citizen_logs_in_at_the_development_provider_and_out_again(phone: Page) -> None:
    visited = log_in_as_erika(phone)
    assert_accessible(phone)
    phone.get_by_label("Erika Mustermann").check()
    phone.get_by_role("button", name="Anmelden").click()
    expect(phone.locator("h1")).to_have_text("Mein Konto")
    expect(phone.get_by_text("Erika Mustermann")).to_be_visible()
    expect(phone.get_by_text("Heidestraße 17, 51147 Köln")).to_be_visible()
    expect(phone.get_by_text("hoch", exact=True)).to_be_visible()
    assert_accessible(phone)
    phone.get_by_role("button", name="Abmelden", exact=True).click()
    expect(phone.get_by_role("link", name="Mit Online-Ausweis anmelden")).to_be_visible()
    assert any("/dev-eid/logout?" in url and "id_token_hint=" in url for url in visited)
    assert phone.url.endswith("/konto")


def test_the_development_provider_keeps_the_csp(strict_phone: Page) -> None:
    log_in_as_erika(strict_phone)
    strict_phone.get_by_label("Leonie Weber").check()
    strict_phone.get_by_role("button", name="Anmelden").click()
    expect(strict_phone.get_by_text("(Anschrift)")).to_be_visible()
    assert problems(strict_phone).csp_violations == []
