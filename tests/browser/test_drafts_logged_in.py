"""A logged-in citizen's draft also lives on the server: begun on the phone, resumed on the laptop;
logging out clears the phone's browser."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Response, expect

from tests.browser.conftest import PHONE, wait_for_service_worker
from tests.browser.drafts_store import drafts_and_outbox, wait_for_draft_saved, wait_for_drafts
from tests.browser.test_eid import eid_portal  # noqa: F401 (fixture)
from tests.conftest import LiveServer

START = "/antraege/kita-anmeldung/kind"


def _log_in(page: Page) -> None:
    page.goto("/konto")
    page.get_by_role("link", name="Mit Online-Ausweis anmelden").click()
    page.get_by_label("Testperson").fill("erika")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator("h1")).to_have_text("Mein Konto")


def _form_opened(device: BrowserContext) -> Page:
    """The Kita form's first step, logged in on ``device``, bound to the server draft."""
    page = device.new_page()
    _log_in(page)
    page.goto(START)
    wait_for_drafts(page)
    return page


def _saved_on_server(response: Response) -> bool:
    return (
        response.url.endswith("/entwurf")
        and response.request.method == "PUT"
        and response.status == 200
    )


@pytest.fixture
def devices(
    playwright: Playwright,
    browser: Browser,
    eid_portal: LiveServer,  # noqa: F811
) -> Iterator[tuple[BrowserContext, BrowserContext]]:
    device = dict(playwright.devices[PHONE])
    device.pop("default_browser_type", None)
    phone = browser.new_context(**device, locale="de-DE", base_url=eid_portal.url, bypass_csp=True)
    laptop = browser.new_context(
        viewport={"width": 1280, "height": 900},
        locale="de-DE",
        base_url=eid_portal.url,
        bypass_csp=True,
    )
    yield phone, laptop
    phone.close()
    laptop.close()


def test_a_draft_begun_on_the_phone_is_resumed_on_the_laptop(
    devices: tuple[BrowserContext, BrowserContext],
) -> None:
    phone = _form_opened(devices[0])
    with phone.expect_response(_saved_on_server):
        phone.get_by_label("Vorname des Kindes").fill("Mia")
        wait_for_draft_saved(phone)

    laptop = _form_opened(devices[1])
    expect(laptop.get_by_label("Vorname des Kindes")).to_have_value("Mia")
    # Typed on the laptop, seen on the phone when it opens the form again.
    with laptop.expect_response(_saved_on_server):
        laptop.get_by_label("Nachname des Kindes").fill("Beispiel")
    phone.reload()
    wait_for_drafts(phone)
    expect(phone.get_by_label("Nachname des Kindes")).to_have_value("Beispiel")
    expect(phone.get_by_label("Vorname des Kindes")).to_have_value("Mia")

    # Logging out on the phone leaves nothing in its browser.
    phone.goto("/konto")
    phone.get_by_role("button", name="Abmelden", exact=True).click()
    expect(
        phone.get_by_text("Möchten Sie sich beim Test-Identitätsanbieter abmelden?")
    ).to_be_visible()
    phone.get_by_role("button", name="Abmelden").click()  # the provider's confirmation
    expect(phone.get_by_role("link", name="Mit Online-Ausweis anmelden")).to_be_visible()
    assert drafts_and_outbox(phone) == []


def test_a_change_on_the_laptop_is_not_undone_by_the_page_the_phone_opened_before(
    devices: tuple[BrowserContext, BrowserContext],
) -> None:
    phone = _form_opened(devices[0])
    with phone.expect_response(_saved_on_server):
        phone.get_by_label("Vorname des Kindes").fill("Mia")

    laptop = _form_opened(devices[1])
    expect(laptop.get_by_label("Vorname des Kindes")).to_have_value("Mia")
    with laptop.expect_response(_saved_on_server):
        laptop.get_by_label("Nachname des Kindes").fill("Beispiel")

    # The phone's page, opened before, knows nothing of the family name: its next change is
    # saved on top of the laptop's, which it now shows too.
    with phone.expect_response(_saved_on_server):
        phone.get_by_label("Vorname des Kindes").fill("Mia Sophie")
    expect(phone.get_by_label("Nachname des Kindes")).to_have_value("Beispiel")
    expect(phone.get_by_label("Vorname des Kindes")).to_have_value("Mia Sophie")
    on_server = devices[1].request.get("/antraege/kita-anmeldung/entwurf").json()
    assert on_server["answers"]["kind_vorname"] == ["Mia Sophie"]
    assert on_server["answers"]["kind_nachname"] == ["Beispiel"]


def test_a_phone_whose_clock_runs_ahead_takes_the_laptops_later_answer(
    devices: tuple[BrowserContext, BrowserContext],
) -> None:
    # The phone's clock is three hours ahead: its own earlier answer, stamped by that clock,
    # must not look newer than the laptop's later one, stamped by the server's.
    devices[0].clock.install(time=datetime.now(UTC) + timedelta(hours=3))
    phone = _form_opened(devices[0])
    with phone.expect_response(_saved_on_server):
        phone.get_by_label("Vorname des Kindes").fill("Mia")

    laptop = _form_opened(devices[1])
    expect(laptop.get_by_label("Vorname des Kindes")).to_have_value("Mia")
    with laptop.expect_response(_saved_on_server):
        laptop.get_by_label("Vorname des Kindes").fill("Lea")

    phone.reload()
    wait_for_drafts(phone)
    expect(phone.get_by_label("Vorname des Kindes")).to_have_value("Lea")
    phone.get_by_label("Nachname des Kindes").fill("Beispiel")
    with phone.expect_response(_saved_on_server):
        wait_for_draft_saved(phone)
    on_server = devices[1].request.get("/antraege/kita-anmeldung/entwurf").json()
    assert on_server["answers"]["kind_vorname"] == ["Lea"]
    assert on_server["answers"]["kind_nachname"] == ["Beispiel"]


def test_a_logged_in_draft_is_continued_offline(
    devices: tuple[BrowserContext, BrowserContext],
) -> None:
    phone = devices[0].new_page()
    _log_in(phone)
    phone.goto(START)
    wait_for_service_worker(phone)
    phone.goto(START)  # now through the worker, which keeps the steps' blank copies
    wait_for_drafts(phone)
    phone.wait_for_function("document.documentElement.dataset.stepsKept === 'true'")
    phone.get_by_label("Vorname des Kindes").fill("Mia")
    phone.get_by_label("Nachname des Kindes").fill("Beispiel")
    phone.get_by_label("Geburtsdatum des Kindes").fill("2024-03-15")
    wait_for_draft_saved(phone)
    phone.get_by_role("button", name="Weiter").click()
    expect(phone.locator("h1")).to_have_text("Ihre Angaben")
    wait_for_drafts(phone)

    phone.context.set_offline(True)
    try:
        phone.get_by_label("Straße und Hausnummer").fill("Ahornallee 5")
        wait_for_draft_saved(phone)
        phone.reload()  # offline: the kept copy, filled from the sealed draft
        expect(phone.locator("h1")).to_have_text("Ihre Angaben")
        wait_for_drafts(phone)
        expect(phone.get_by_label("Straße und Hausnummer")).to_have_value("Ahornallee 5")
        phone.get_by_label("Ihr Vorname").fill("Erika")
        phone.get_by_label("Ihr Nachname").fill("Beispiel")
        phone.get_by_label("Postleitzahl und Ort").fill("12345 Musterstadt")
        phone.get_by_label("E-Mail-Adresse").fill("erika@example.org")
        phone.get_by_label("Nein").check()
        wait_for_draft_saved(phone)
        phone.get_by_role("button", name="Weiter").click()
        expect(phone.locator("h1")).to_have_text("Gewünschte Betreuung")
        wait_for_drafts(phone)
        # The start page stays readable offline, logged in as well.
        phone.goto("/")
        expect(phone.locator("h1")).to_have_text("Bürgerportal")
    finally:
        phone.context.set_offline(False)
    # Nothing of the family or the account in the worker's plain cache.
    kept = phone.evaluate("""async () => {
        const pages = [];
        for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            for (const request of await cache.keys()) {
                const response = await cache.match(request);
                if ((response.headers.get("Content-Type") || "").includes("html")) {
                    pages.push(await response.text());
                }
            }
        }
        return pages;
    }""")
    assert kept
    assert not [page for page in kept if "Ahornallee" in page or "Mustermann" in page]
