"""A clerk's downloads (attachments, evidence photos) never stay in the service worker's caches:
not while logged in, not after logging out, while the offline app shell does stay."""

from __future__ import annotations

import io
import re

from flask import Flask
from playwright.sync_api import Page, expect
from werkzeug.datastructures import FileStorage

from server.auth.roles import Role
from tests.browser.conftest import pass_second_factor, visit, wait_for_service_worker
from tests.conftest import LiveServer
from tests.factories import make_clerk, make_fine_case
from tests.integration.fines.test_fines_hearing import png
from tests.integration.web.test_no_personal_cache import a_pdf

ALL_CACHED_URLS = """async () => {
    const urls = [];
    for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) urls.push(request.url);
    }
    return urls;
}"""


def case_with_attachments(app: Flask) -> tuple[int, list[int]]:
    """A fine case with a citizen's PDF and the authority's evidence photo."""
    from server.fines import cases, uploads

    case = make_fine_case(app)
    with app.test_request_context("/"):
        found = cases.get_case(int(case["case_id"]))
        assert found is not None
        pdf = uploads.accept_upload(
            found, FileStorage(io.BytesIO(a_pdf()), filename="rechnung.pdf")
        )
        photo = uploads.accept_upload(
            found, FileStorage(io.BytesIO(png()), filename="beweisfoto.png"), evidence=True
        )
        return found.id, [pdf.id, photo.id]


def personal(urls: list[str], upload_ids: list[int]) -> list[str]:
    return [
        url
        for url in urls
        if "/verwaltung/" in url or any(url.endswith(f"/anhang/{i}") for i in upload_ids)
    ]


def test_a_clerks_downloads_are_not_kept_after_logout(phone: Page, live_server: LiveServer) -> None:
    make_clerk(live_server.app, username="bussgeld", roles=[Role.FINES])
    case_id, upload_ids = case_with_attachments(live_server.app)
    visit(phone, "/")
    wait_for_service_worker(phone)
    phone.goto("/verwaltung/anmelden")
    phone.get_by_label("Benutzername").fill("bussgeld")
    phone.get_by_label("Passwort").fill("correct horse battery")
    phone.get_by_role("button", name="Anmelden").click()
    pass_second_factor(phone, live_server, "bussgeld")
    expect(phone.locator("h1")).to_have_text("Arbeitsübersicht")

    # Each download is a navigation through the service worker (as a click in the case is).
    phone.goto(f"/verwaltung/bussgeld/fall/{case_id}")
    for upload_id in upload_ids:
        with phone.expect_download() as download:
            phone.locator(f"a[href$='/anhang/{upload_id}']").click()
        assert download.value.path().stat().st_size > 0
    assert personal(phone.evaluate(ALL_CACHED_URLS), upload_ids) == []

    phone.goto("/verwaltung/")
    phone.get_by_role("button", name="Abmelden").click()
    expect(phone.locator("h1")).to_have_text("Bürgerportal")
    cached = phone.evaluate(ALL_CACHED_URLS)
    assert personal(cached, upload_ids) == [], cached
    for upload_id in upload_ids:
        url = f"/verwaltung/bussgeld/anhang/{upload_id}"
        assert phone.evaluate("(url) => caches.match(url).then((hit) => !hit)", url), url
    # The app shell is still there: the portal keeps opening offline.
    assert any(url.endswith("/offline") for url in cached), cached
    assert any(re.search(r"/static/css/portal\.css\?v=", url) for url in cached), cached
