"""The demo of issue 6 on a phone: a new parent fills the Kita registration, the network drops in
the middle, the page is reloaded, the form finished and sent offline; back online the reference
number appears, and the youth office has the registration exactly once."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from server.auth.roles import Role
from server.extensions import db
from server.formatting import city_today
from server.forms.models import FormSubmission, FormUpload
from tests.browser.conftest import (
    assert_accessible,
    clerk_desk,
    visit,
    wait_for_service_worker,
)
from tests.browser.drafts_store import (
    draft_records,
    drafts_and_outbox,
    wait_for_draft_saved,
    wait_for_drafts,
)
from tests.browser.test_drafts_offline import camera_photo
from tests.conftest import LiveServer
from tests.factories import make_clerk

START = "/antraege/kita-anmeldung/kind"


def _submissions(live_server: LiveServer) -> list[FormSubmission]:
    with live_server.app.app_context():
        return list(db.session.scalars(select(FormSubmission)))


def _weiter(phone: Page, heading: str) -> None:
    wait_for_draft_saved(phone)
    phone.get_by_role("button", name="Weiter").click()
    expect(phone.locator("h1")).to_have_text(heading)
    wait_for_drafts(phone)


def test_kita_registration_with_the_network_cut_in_the_middle(
    phone: Page, live_server: LiveServer, browser: Browser
) -> None:
    make_clerk(live_server.app, username="jugendamt", roles=[Role.YOUTH_OFFICE])
    visit(phone, START)
    wait_for_service_worker(phone)
    phone.goto(START)  # now through the worker, which keeps every step page for offline use
    wait_for_drafts(phone)
    phone.wait_for_function("document.documentElement.dataset.stepsKept === 'true'")

    phone.get_by_label("Vorname des Kindes").fill("Mia")
    phone.get_by_label("Nachname des Kindes").fill("Beispiel")
    phone.get_by_label("Geburtsdatum des Kindes").fill("2024-03-15")
    _weiter(phone, "Ihre Angaben")
    phone.get_by_label("Ihr Vorname").fill("Jana")
    phone.get_by_label("Ihr Nachname").fill("Beispiel")
    wait_for_draft_saved(phone)

    phone.context.set_offline(True)  # the train enters a tunnel
    try:
        phone.get_by_label("Straße und Hausnummer").fill("Ahornallee 5")
        wait_for_draft_saved(phone)
        phone.reload()
        wait_for_drafts(phone)
        expect(phone.get_by_label("Ihr Vorname")).to_have_value("Jana")
        expect(phone.get_by_label("Straße und Hausnummer")).to_have_value("Ahornallee 5")
        phone.get_by_label("Postleitzahl und Ort").fill("12345 Musterstadt")
        phone.get_by_label("E-Mail-Adresse").fill("jana@example.org")
        phone.get_by_label("Nein").check()
        # No second guardian: the step for that person is passed over offline too.
        _weiter(phone, "Gewünschte Betreuung")
        phone.get_by_label("Gewünschter Beginn").fill(
            (city_today() + timedelta(days=200)).isoformat()
        )
        phone.get_by_label("bis 35 Stunden").check()
        _weiter(phone, "Wunsch-Kitas")
        phone.get_by_label("Erster Wunsch").select_option(label="Kita Regenbogen, Am Markt 12")
        _weiter(phone, "Besonderer Förderbedarf")
        phone.get_by_label("Nein").check()
        expect(phone.get_by_label("Beschreiben Sie den Förderbedarf")).to_be_hidden()
        _weiter(phone, "Einwilligungen")
        for box in phone.get_by_role("checkbox").all():
            box.check()
        wait_for_draft_saved(phone)
        phone.get_by_role("button", name="Weiter").click()
        phone.get_by_role("button", name="Antrag absenden").click()
        expect(phone.locator("[data-outbox-panel]")).to_contain_text("Wartet auf Verbindung")
        assert_accessible(phone)
        assert _submissions(live_server) == []
        assert "Ahornallee" not in str(draft_records(phone))
    finally:
        phone.context.set_offline(False)

    panel = phone.locator("[data-outbox-panel]")
    expect(panel).to_contain_text(re.compile(r"Ihre Vorgangsnummer: KITA-\d{4}-\d+"))
    (submission,) = _submissions(live_server)
    expect(panel).to_contain_text(str(submission.reference))
    assert submission.answers["eltern_strasse"] == "Ahornallee 5"
    assert submission.answers["kita_1"] == "kita-regenbogen"
    assert_accessible(phone)
    phone.get_by_role("link", name="Bestätigung ansehen").click()
    expect(phone.locator("h1")).to_have_text("Kita-Anmeldung: eingegangen")
    # The empty step pages were kept for offline use; nothing with the family's answers was.
    kept = phone.evaluate("""async () => {
        const pages = {};
        for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            for (const request of await cache.keys()) {
                const response = await cache.match(request);
                const html = (response.headers.get("Content-Type") || "").includes("html");
                pages[request.url] = html ? await response.text() : "";
            }
        }
        return pages;
    }""")
    assert f"{live_server.url}/antraege/kita-anmeldung/einwilligung" in kept
    assert not [url for url in kept if re.search("pruefen|eingegangen|absenden|entwurf", url)]
    assert not [url for url, page in kept.items() if "Ahornallee" in page or "jana@" in page]

    with clerk_desk(browser, live_server, "jugendamt") as clerk:
        clerk.goto("/verwaltung/antraege/kita-anmeldung/")
        expect(clerk.get_by_role("link", name=str(submission.reference))).to_have_count(1)
    with live_server.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FormSubmission)) == 1


def test_kita_registration_online_with_a_photo_sent_whole_from_the_draft(
    phone: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    photo = camera_photo(tmp_path)
    visit(phone, START)
    wait_for_drafts(phone)
    phone.get_by_label("Vorname des Kindes").fill("Ben")
    phone.get_by_label("Nachname des Kindes").fill("Beispiel")
    phone.get_by_label("Geburtsdatum des Kindes").fill("2023-11-02")
    _weiter(phone, "Ihre Angaben")
    phone.get_by_label("Ihr Vorname").fill("Jana")
    phone.get_by_label("Ihr Nachname").fill("Beispiel")
    phone.get_by_label("Straße und Hausnummer").fill("Ahornallee 5")
    phone.get_by_label("Postleitzahl und Ort").fill("12345 Musterstadt")
    phone.get_by_label("E-Mail-Adresse").fill("jana@example.org")
    phone.get_by_label("Nein").check()
    _weiter(phone, "Gewünschte Betreuung")
    phone.get_by_label("Gewünschter Beginn").fill((city_today() + timedelta(days=90)).isoformat())
    phone.get_by_label("bis 45 Stunden").check()
    _weiter(phone, "Wunsch-Kitas")
    phone.get_by_label("Erster Wunsch").select_option(label="Kita Pusteblume, Wiesenstraße 40")
    _weiter(phone, "Besonderer Förderbedarf")
    phone.get_by_label("Ja").check()
    phone.get_by_label("Beschreiben Sie den Förderbedarf").fill("Sprachförderung")
    phone.get_by_label("Nachweise (freiwillig)").set_input_files(str(photo))
    wait_for_draft_saved(phone)
    sent_size = phone.evaluate("document.getElementById('bedarf_nachweise').files[0].size")
    assert sent_size < photo.stat().st_size
    _weiter(phone, "Einwilligungen")
    for box in phone.get_by_role("checkbox").all():
        box.check()
    _weiter(phone, "Prüfen Sie Ihre Angaben")
    phone.get_by_role("button", name="Absenden").click()
    expect(phone.locator("h1")).to_have_text("Kita-Anmeldung: eingegangen")
    assert_accessible(phone)
    (submission,) = _submissions(live_server)
    with live_server.app.app_context():
        uploads = db.session.scalars(
            select(FormUpload).where(FormUpload.submission_id == submission.id)
        ).all()
    # The office received the scaled-down photo (which the server then re-encodes itself).
    ((name, size),) = [(upload.original_name, upload.size) for upload in uploads]
    assert name == "kamera.jpg"
    assert size < photo.stat().st_size / 2
    assert drafts_and_outbox(phone) == [f"outbox:{submission.submission_id}"]
