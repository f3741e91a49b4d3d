"""Installable, offline-capable, and updated only when the citizen agrees."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, Playwright, expect

from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    assert_accessible,
    pass_second_factor,
    visit,
    wait_for_service_worker,
)
from tests.conftest import LiveServer
from tests.factories import make_clerk


def test_manifest_passes_chromiums_installability_checks(
    playwright: Playwright, live_server: LiveServer, tmp_path: Path
) -> None:
    # A persistent profile: Chromium never offers to install from an incognito context.
    device = dict(playwright.devices[PHONE])
    device.pop("default_browser_type", None)
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        base_url=live_server.url,
        locale="de-DE",
        **device,
    )
    try:
        page = context.new_page()
        page.add_init_script(
            "window.addEventListener('beforeinstallprompt', (event) => {"
            " event.preventDefault(); window.__installPrompt = true; })"
        )
        page.goto("/")
        wait_for_service_worker(page)
        page.reload()
        cdp = context.new_cdp_session(page)
        manifest = cdp.send("Page.getAppManifest")
        assert manifest.get("errors") == [], manifest.get("errors")
        assert manifest["url"].endswith("/manifest.webmanifest")
        installability = cdp.send("Page.getInstallabilityErrors")
        assert installability["installabilityErrors"] == []
    finally:
        context.close()


def test_service_worker_controls_the_page_and_the_shell_opens_offline(phone: Page) -> None:
    visit(phone, "/")
    wait_for_service_worker(phone)
    phone.reload()  # now fetched through the worker, so the page is in its cache
    phone.context.set_offline(True)
    try:
        phone.reload()
        expect(phone.locator("h1")).to_have_text("Bürgerportal")
        expect(phone.locator("#offline-banner")).to_be_visible()
        # A page never opened before: the offline page, never the browser's dinosaur.
        phone.goto("/dienste/termine")
        expect(phone.locator("h1")).to_have_text("Sie sind offline")
        expect(phone.get_by_text("Was weiterhin geht")).to_be_visible()
        expect(phone.locator("link[rel=stylesheet]")).to_have_count(1)
        # The shell's own font came out of the worker's cache, not from the network.
        assert phone.evaluate("""async () => { await document.fonts.ready;
            return [...document.fonts].some(
                (f) => f.family.includes('Fira') && f.status === 'loaded');
        }""")
        assert_accessible(phone)
    finally:
        phone.context.set_offline(False)


def test_personal_pages_never_land_in_the_service_worker_cache(
    phone: Page, live_server: LiveServer
) -> None:
    make_clerk(live_server.app, username="bussgeld")
    visit(phone, "/")
    wait_for_service_worker(phone)
    phone.goto("/verwaltung/anmelden")
    phone.get_by_label("Benutzername").fill("bussgeld")
    phone.get_by_label("Passwort").fill("correct horse battery")
    phone.get_by_role("button", name="Anmelden").click()
    pass_second_factor(phone, live_server, "bussgeld")
    expect(phone.locator("h1")).to_have_text("Arbeitsübersicht")
    phone.goto("/")
    cached = phone.evaluate("""async () => {
        const urls = [];
        for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            for (const request of await cache.keys()) urls.push(request.url);
        }
        return urls;
    }""")
    assert any(url.endswith("/offline") for url in cached)
    assert not [url for url in cached if "/verwaltung" in url], cached
    # The start page holds nothing of the session: kept (and precached) for everybody, with
    # nothing of the clerk in it.
    start = phone.evaluate("""async () => {
        const response = await caches.match("/", { ignoreVary: true });
        return response ? await response.text() : "";
    }""")
    assert "Bürgerportal" in start
    assert "Chris Clerk" not in start  # the clerk's name
    assert "Arbeitsübersicht" not in start


def test_a_new_version_is_offered_not_forced(phone: Page, live_server: LiveServer) -> None:
    visit(phone, "/")
    wait_for_service_worker(phone)
    old_caches = phone.evaluate("caches.keys()")
    live_server.app.config["PORTAL_RELEASE"] = "next-release"
    phone.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
    banner = phone.locator("#update-banner")
    expect(banner).to_be_visible(timeout=15000)
    expect(banner).to_contain_text("Eine neue Version des Bürgerportals ist verfügbar.")
    assert_accessible(phone)
    # Nothing happens until the citizen agrees: the old worker still serves.
    assert phone.evaluate("caches.keys()") != []
    assert old_caches
    with phone.expect_navigation():
        phone.get_by_role("button", name="Jetzt neu laden").click()
    expect(phone.locator("#update-banner")).to_be_hidden()
    wait_for_service_worker(phone)
    new_caches = phone.evaluate("caches.keys()")
    assert set(new_caches).isdisjoint(old_caches), (old_caches, new_caches)
