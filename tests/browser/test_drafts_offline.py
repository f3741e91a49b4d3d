"""Drafts that never get lost and sending offline (drafts.js, draft-store.js, the service
worker), on a phone, against a two-step form with the forms contract's markup
(tests/browser/forms_fixture.py).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, Playwright, Route, expect

from tests.browser.conftest import (
    _new_context,
    assert_accessible,
    pass_second_factor,
    problems,
    visit,
    wait_for_service_worker,
)
from tests.browser.drafts_store import (
    draft_records,
    drafts_and_outbox,
    wait_for_draft_saved,
    wait_for_drafts,
)
from tests.browser.forms_fixture import Received, make_blueprint
from tests.conftest import LiveServer, serving
from tests.factories import make_clerk

FIRST_STEP = "/antraege/probe/kind"


@pytest.fixture
def received() -> Received:
    return Received()


@pytest.fixture
def live_server(backend: str, received: Received) -> Iterator[LiveServer]:
    with serving(backend) as live:
        live.app.register_blueprint(make_blueprint(received))
        yield live


def open_form(phone: Page) -> None:
    """The first step, once the service worker controls the pages (so they are kept)."""
    visit(phone, FIRST_STEP)
    wait_for_service_worker(phone)
    phone.goto("/")
    phone.goto(FIRST_STEP)
    wait_for_drafts(phone)


def offline(phone: Page, value: bool = True) -> None:
    phone.context.set_offline(value)


def test_what_is_typed_survives_going_offline_and_reloading(phone: Page) -> None:
    open_form(phone)
    phone.get_by_label("Vorname des Kindes").fill("Mia-Sophie")
    phone.get_by_label("Nachmittags").check()
    wait_for_draft_saved(phone)
    offline(phone)
    try:
        phone.reload()
        wait_for_drafts(phone)
        expect(phone.get_by_label("Vorname des Kindes")).to_have_value("Mia-Sophie")
        expect(phone.get_by_label("Nachmittags")).to_be_checked()
        expect(phone.get_by_label("Vormittags")).not_to_be_checked()
        # Closing the tab and opening the portal again: the start page lists the draft.
        phone.goto("/")
        overview = phone.locator("#drafts-overview")
        expect(overview).to_be_visible()
        overview.get_by_role("link", name="Probeantrag").click()
        expect(phone.get_by_label("Vorname des Kindes")).to_have_value("Mia-Sophie")
    finally:
        offline(phone, False)


def test_the_drafts_list_shows_the_city_time_on_a_phone_set_to_another_zone(
    playwright: Playwright, browser: Browser, live_server: LiveServer
) -> None:
    context = _new_context(
        playwright, browser, live_server, bypass_csp=True, timezone_id="America/New_York"
    )
    try:
        phone = context.new_page()
        open_form(phone)
        phone.get_by_label("Vorname des Kindes").fill("Mia")
        wait_for_draft_saved(phone)
        saved = datetime.now(UTC)
        phone.goto("/")
        entry = phone.locator("#drafts-overview [data-draft-entry]")
        expect(entry).to_contain_text("zuletzt geändert")
        shown = entry.inner_text()
        berlin = [
            f"{(saved - timedelta(minutes=back)).astimezone(ZoneInfo('Europe/Berlin')):%H:%M}"
            for back in (0, 1)
        ]
        assert any(time in shown for time in berlin), (shown, berlin)
        new_york = f"{saved.astimezone(ZoneInfo('America/New_York')):%H:%M}"
        assert new_york not in shown
    finally:
        context.close()


def test_drafts_are_encrypted_at_rest(phone: Page) -> None:
    open_form(phone)
    phone.get_by_label("Vorname des Kindes").fill("Mia-Sophie")
    wait_for_draft_saved(phone)
    records = draft_records(phone)
    assert set(records) == {"key", "draft:probe"}
    stored = json.dumps(records, ensure_ascii=False)
    assert "Mia-Sophie" not in stored
    assert "Probeantrag" not in stored  # even the title is sealed
    assert "kind_vorname" in records["draft:probe"]["fields"]
    # The key cannot be read out of the browser, only used.
    assert records["key"]["cryptoKey"] == {"cryptoKey": False}


def test_a_new_session_cannot_read_the_drafts_and_removes_them(phone: Page) -> None:
    open_form(phone)
    phone.get_by_label("Vorname des Kindes").fill("Mia-Sophie")
    wait_for_draft_saved(phone)
    phone.context.clear_cookies()  # the session ends: another person on a shared tablet
    phone.reload()
    wait_for_drafts(phone)
    expect(phone.get_by_label("Vorname des Kindes")).to_have_value("")
    assert drafts_and_outbox(phone) == []
    phone.goto("/")
    expect(phone.locator("#drafts-overview")).to_be_hidden()


def test_logging_out_removes_the_drafts(phone: Page, live_server: LiveServer) -> None:
    make_clerk(live_server.app, username="jugendamt")
    phone.goto("/verwaltung/anmelden")
    phone.get_by_label("Benutzername").fill("jugendamt")
    phone.get_by_label("Passwort").fill("correct horse battery")
    phone.get_by_role("button", name="Anmelden").click()
    pass_second_factor(phone, live_server, "jugendamt")
    expect(phone.locator("h1")).to_have_text("Arbeitsübersicht")
    phone.goto(FIRST_STEP)
    wait_for_drafts(phone)
    phone.get_by_label("Vorname des Kindes").fill("Mia-Sophie")
    wait_for_draft_saved(phone)
    phone.goto("/verwaltung/")
    phone.get_by_role("button", name="Abmelden").click()
    expect(phone.locator("h1")).to_have_text("Bürgerportal")
    assert drafts_and_outbox(phone) == []


def test_two_tabs_editing_the_same_draft_keep_both_changes(phone: Page) -> None:
    open_form(phone)
    other = phone.context.new_page()
    other.goto(FIRST_STEP)
    wait_for_drafts(other)
    # Both tabs change the draft at once, each a different answer.
    phone.get_by_label("Vorname des Kindes").fill("Mia-Sophie")
    other.get_by_label("Vormittags").check()
    wait_for_draft_saved(phone)
    wait_for_draft_saved(other)
    # Each tab shows what the other typed.
    expect(other.get_by_label("Vorname des Kindes")).to_have_value("Mia-Sophie")
    expect(phone.get_by_label("Vormittags")).to_be_checked()
    other.close()
    phone.reload()
    wait_for_drafts(phone)
    expect(phone.get_by_label("Vorname des Kindes")).to_have_value("Mia-Sophie")
    expect(phone.get_by_label("Vormittags")).to_be_checked()


def _fill_first_step_and_go_on(phone: Page, first_name: str) -> None:
    phone.get_by_label("Vorname des Kindes").fill(first_name)
    phone.get_by_label("Vormittags").check()
    wait_for_draft_saved(phone)
    phone.get_by_role("button", name="Weiter").click()
    expect(phone.locator("h1")).to_have_text("Ihre Angaben")
    wait_for_drafts(phone)


def _on_the_check_page(phone: Page) -> None:
    """The check page has loaded and its send form is the drafts client's: a tap before that
    would post the bare form (the test's office answers that with JSON, not a page)."""
    phone.wait_for_url(re.compile(r"/pruefen$"))
    wait_for_drafts(phone)


def _send_offline(phone: Page) -> None:
    phone.get_by_label("Name eines Elternteils").fill("Jana Beispiel")
    wait_for_draft_saved(phone)
    phone.get_by_role("button", name="Weiter").click()
    # The check page needs the server: the citizen may send now, and it goes when it can.
    phone.get_by_role("button", name="Antrag absenden").click()
    panel = phone.locator("[data-outbox-panel]")
    expect(panel).to_contain_text("Wartet auf Verbindung")
    assert_accessible(phone)


def _dispatch_background_sync(phone: Page, origin: str | None = None) -> None:
    """What Chromium does when the connection is back, asked for through the DevTools protocol."""
    cdp = phone.context.new_cdp_session(phone)
    registrations: list[dict[str, str]] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    phone.wait_for_timeout(0)  # let the events of enable() arrive
    while not registrations:
        phone.wait_for_timeout(50)
    if origin is None:
        found = re.match(r"https?://[^/]+", phone.url)
        assert found is not None
        origin = found.group(0)
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": origin,
            "registrationId": registrations[0]["registrationId"],
            "tag": "portal-outbox",
            "lastChance": False,
        },
    )


def test_sent_offline_arrives_once_when_online_again(phone: Page, received: Received) -> None:
    open_form(phone)
    _fill_first_step_and_go_on(phone, "Mia-Sophie")
    offline(phone)
    _send_offline(phone)
    assert received.submissions == {}
    stored = json.dumps(draft_records(phone), ensure_ascii=False)
    assert "Jana Beispiel" not in stored
    offline(phone, False)
    # Background Sync, the page's "online" event and a reload all try to send at once.
    _dispatch_background_sync(phone)
    phone.reload()
    panel = phone.locator("[data-outbox-panel]")
    expect(panel).to_contain_text("Eingegangen. Ihre Vorgangsnummer: PRB-")
    assert len(received.submissions) == 1
    (submission,) = received.submissions.values()
    assert submission["answers"]["kind_vorname"] == ["Mia-Sophie"]  # type: ignore[index]
    assert submission["answers"]["eltern_name"] == ["Jana Beispiel"]  # type: ignore[index]
    assert submission["answers"]["betreuung"] == ["vormittag"]  # type: ignore[index]
    expect(panel).to_contain_text(str(submission["reference"]))
    assert_accessible(phone)
    # The draft is gone; the start page shows the submission with its number.
    assert [name for name in drafts_and_outbox(phone) if name.startswith("draft:")] == []
    phone.goto("/")
    expect(phone.locator("#drafts-overview")).to_contain_text(str(submission["reference"]))
    # A sync that comes late sends nothing again.
    _dispatch_background_sync(phone)
    phone.reload()
    expect(phone.locator("#drafts-overview")).to_contain_text(str(submission["reference"]))
    assert len(received.submissions) == 1


def test_an_outage_of_the_service_is_told_as_such_and_sent_later(
    phone: Page, received: Received
) -> None:
    open_form(phone)
    _fill_first_step_and_go_on(phone, "Mia-Sophie")
    offline(phone)
    _send_offline(phone)
    received.unavailable = 1000  # online again, but the portal answers 503 (an outage)
    offline(phone, False)
    phone.reload()
    panel = phone.locator("[data-outbox-panel]")
    expect(panel).to_contain_text("Wird später gesendet")
    expect(panel).to_contain_text("Der Dienst der Stadt ist gerade nicht erreichbar.")
    assert received.posts >= 1
    assert received.submissions == {}
    assert_accessible(phone)
    received.unavailable = 0
    phone.reload()  # the service is back: the same submission, everything in it, once
    expect(panel).to_contain_text("Eingegangen. Ihre Vorgangsnummer: PRB-")
    (submission,) = received.submissions.values()
    assert submission["answers"]["eltern_name"] == ["Jana Beispiel"]  # type: ignore[index]


def test_background_sync_sends_while_no_page_of_the_portal_is_open(
    phone: Page, received: Received, live_server: LiveServer
) -> None:
    open_form(phone)
    _fill_first_step_and_go_on(phone, "Mia-Sophie")
    offline(phone)
    _send_offline(phone)
    origin = live_server.url
    phone.goto("about:blank")
    offline(phone, False)
    _dispatch_background_sync(phone, origin)
    # The service worker alone sends it; no page is there to do it.
    while not received.submissions:
        phone.wait_for_timeout(100)
    (submission,) = received.submissions.values()
    assert received.posts == 1
    phone.goto("/")
    expect(phone.locator("#drafts-overview")).to_contain_text(
        f"Eingegangen. Ihre Vorgangsnummer: {submission['reference']}."
    )
    assert len(received.submissions) == 1


def test_refused_by_the_server_after_the_queue_leads_back_to_the_step(
    phone: Page, received: Received
) -> None:
    open_form(phone)
    _fill_first_step_and_go_on(phone, "Mia2")
    offline(phone)
    _send_offline(phone)
    offline(phone, False)
    phone.reload()
    # Not a dead end: the step with the server's message, what was typed still there.
    expect(phone.locator("h1")).to_have_text("Ihr Kind")
    expect(phone.locator("#error-summary")).to_contain_text(
        "Der Vorname darf keine Ziffern enthalten."
    )
    expect(phone.get_by_label("Vorname des Kindes")).to_have_value("Mia2")
    expect(phone.get_by_label("Vorname des Kindes")).to_have_attribute("aria-invalid", "true")
    expect(phone.locator("#error-summary")).to_be_focused()
    assert phone.title().startswith("Fehler: ")
    assert_accessible(phone)
    assert received.submissions == {}
    phone.get_by_label("Vorname des Kindes").fill("Mia")
    phone.get_by_role("button", name="Weiter").click()
    expect(phone.get_by_label("Name eines Elternteils")).to_have_value("Jana Beispiel")
    phone.get_by_role("button", name="Weiter").click()
    _on_the_check_page(phone)
    phone.get_by_role("button", name="Absenden").click()
    expect(phone.locator("h1")).to_have_text("Ihr Antrag ist eingegangen")
    assert len(received.submissions) == 1
    (submission,) = received.submissions.values()
    assert submission["answers"]["kind_vorname"] == ["Mia"]  # type: ignore[index]


def camera_photo(tmp_path: Path) -> Path:
    """A 4000 × 3000 JPEG, as a phone camera takes it."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (4000, 3000), (235, 225, 200))
    draw = ImageDraw.Draw(image)
    for x in range(0, 4000, 37):
        draw.line([(x, 0), (4000 - x, 3000)], fill=(x % 255, 90, 160), width=3)
    path = tmp_path / "kamera.jpg"
    image.save(path, format="JPEG", quality=92)
    return path


def test_a_camera_photo_is_downscaled_before_upload(
    phone: Page, received: Received, tmp_path: Path
) -> None:
    photo = camera_photo(tmp_path)
    open_form(phone)
    _fill_first_step_and_go_on(phone, "Mia")
    phone.get_by_label("Name eines Elternteils").fill("Jana Beispiel")
    phone.get_by_label("Nachweis (JPEG, PNG oder PDF)").set_input_files(str(photo))
    wait_for_draft_saved(phone)
    width, height, size = phone.evaluate(
        """async () => {
        const file = document.getElementById('nachweis').files[0];
        const bitmap = await createImageBitmap(file);
        return [bitmap.width, bitmap.height, file.size];
    }"""
    )
    assert (width, height) == (2000, 1500)
    assert size < photo.stat().st_size
    phone.get_by_role("button", name="Weiter").click()
    _on_the_check_page(phone)
    phone.get_by_role("button", name="Absenden").click()
    expect(phone.locator("h1")).to_have_text("Ihr Antrag ist eingegangen")
    (submission,) = received.submissions.values()
    files = submission["files"]
    assert isinstance(files, list)
    ((name, mimetype, received_size),) = files
    assert (name, mimetype) == ("kamera.jpg", "image/jpeg")
    assert received_size == size


def test_a_file_the_office_does_not_take_is_refused_in_the_browser(
    phone: Page, tmp_path: Path
) -> None:
    open_form(phone)
    _fill_first_step_and_go_on(phone, "Mia")
    upload = phone.get_by_label("Nachweis (JPEG, PNG oder PDF)")
    program = tmp_path / "rechnung.exe"
    program.write_bytes(b"MZ" + b"\0" * 100)
    upload.set_input_files(str(program))
    expect(
        phone.get_by_text("„rechnung.exe“ hat ein Dateiformat, das hier nicht angenommen wird.")
    ).to_be_visible()
    assert phone.evaluate("document.getElementById('nachweis').files.length") == 0
    big = tmp_path / "scan.pdf"
    big.write_bytes(b"%PDF-1.7\n" + b"0" * 1_100_000)
    upload.set_input_files(str(big))
    expect(phone.get_by_text("„scan.pdf“ ist zu groß: höchstens 1 MB je Datei.")).to_be_visible()
    assert phone.evaluate("document.getElementById('nachweis').files.length") == 0
    assert_accessible(phone)
    assert draft_records(phone)["draft:probe"]["files"] == {}


def test_drafts_run_under_the_strict_content_security_policy(strict_phone: Page) -> None:
    strict_phone.goto(FIRST_STEP)
    strict_phone.wait_for_selector("html[data-drafts=ready]")
    strict_phone.get_by_label("Vorname des Kindes").fill("Mia-Sophie")
    strict_phone.wait_for_selector("form[data-draft-state=saved]")
    strict_phone.reload()
    strict_phone.wait_for_selector("html[data-drafts=ready]")
    expect(strict_phone.get_by_label("Vorname des Kindes")).to_have_value("Mia-Sophie")
    assert problems(strict_phone).csp_violations == []
    assert problems(strict_phone).console_errors == []


# The drafts code (js/drafts.js and its modules) comes after the page's first paint
# (js/draft-loader.js). What happens on the page before it is there must not be lost.
DRAFTS_CODE = re.compile(r"/static/js/drafts\.js")


def test_an_answer_changed_before_the_drafts_code_is_there_is_kept(
    phone_without_worker: Page,
) -> None:
    phone = phone_without_worker
    phone.goto(FIRST_STEP)
    wait_for_drafts(phone)
    phone.get_by_label("Vorname des Kindes").fill("Mia")
    phone.get_by_label("Vormittags").check()
    wait_for_draft_saved(phone)
    # The citizen comes back on a slow line and changes answers before the drafts code arrives.
    held: list[Route] = []
    phone.route(DRAFTS_CODE, lambda route: held.append(route))
    phone.reload()
    phone.get_by_label("Vorname des Kindes").fill("Mia-Sophie")
    phone.get_by_label("Nachmittags").check()
    deadline = time.monotonic() + 10
    while not held:  # the loader asks for it after the first paint
        assert time.monotonic() < deadline, "the drafts code was not requested"
        phone.wait_for_timeout(50)
    for route in held:
        route.continue_()
    phone.unroute(DRAFTS_CODE)
    wait_for_drafts(phone)
    wait_for_draft_saved(phone)
    # The older draft did not take the answers back, and the draft now holds the new ones.
    for _ in range(2):
        expect(phone.get_by_label("Vorname des Kindes")).to_have_value("Mia-Sophie")
        expect(phone.get_by_label("Nachmittags")).to_be_checked()
        expect(phone.get_by_label("Vormittags")).not_to_be_checked()
        phone.reload()
        wait_for_drafts(phone)


def test_the_confirmation_forgets_the_sent_draft_without_waiting_for_the_drafts_code(
    phone_without_worker: Page,
) -> None:
    """A citizen who leaves the confirmation at once (or whose drafts code never comes) does not
    find the sent answers in the next application of the same kind."""
    phone = phone_without_worker
    phone.goto(FIRST_STEP)
    wait_for_drafts(phone)
    phone.get_by_label("Vorname des Kindes").fill("Mia-Sophie")
    wait_for_draft_saved(phone)
    assert "draft:probe" in draft_records(phone)
    phone.route(DRAFTS_CODE, lambda route: route.abort())
    phone.goto("/antraege/probe/eingegangen/PROBE-1")
    expect(phone.locator("h1")).to_have_text("Ihr Antrag ist eingegangen")
    deadline = time.monotonic() + 10
    while "draft:probe" in draft_records(phone):
        assert time.monotonic() < deadline, "the sent draft is still kept"
        phone.wait_for_timeout(100)
    phone.unroute(DRAFTS_CODE)
    phone.goto(FIRST_STEP)
    wait_for_drafts(phone)
    expect(phone.get_by_label("Vorname des Kindes")).to_have_value("")
