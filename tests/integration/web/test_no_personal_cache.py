"""Only what is explicitly public may be kept by the browser or the service worker: downloads
from ``send_file`` (which says ``no-cache`` by itself) are ``no-store``, without the marker."""

from __future__ import annotations

import io
import re

from flask import Flask, Response, make_response
from pypdf import PdfWriter
from werkzeug.test import TestResponse

from server import resources
from server.auth.roles import Role
from server.extensions import db
from server.fines.models import Upload
from server.security import CACHEABLE_HEADER
from tests.checking_client import CheckingClient, checking_client, csrf_token
from tests.factories import make_clerk
from tests.integration.accounts_helpers import log_in, log_out, registered_account
from tests.integration.fines.test_fines_hearing import opened, png, submit
from tests.integration.helpers import log_in_clerk

LOGOUT_ENDPOINTS = {"auth.logout", "auth.citizen_logout", "auth.sign_out_everywhere"}


def a_pdf() -> bytes:
    """A one-page PDF the upload checks accept."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def assert_never_kept(response: TestResponse, where: str) -> None:
    assert response.headers["Cache-Control"] == "no-store", where
    assert CACHEABLE_HEADER not in response.headers, where
    for header in ("ETag", "Last-Modified", "Expires"):
        assert header not in response.headers, f"{where}: {header}"


def assert_may_be_kept(response: TestResponse, where: str) -> None:
    assert response.status_code in (200, 304), where
    assert "no-store" not in response.headers["Cache-Control"], where
    assert response.headers[CACHEABLE_HEADER] == "1", where


def fines_clerk(app: Flask) -> CheckingClient:
    make_clerk(app, username="bussgeld", roles=[Role.FINES])
    clerk = checking_client(app)
    log_in_clerk(clerk, "bussgeld")
    return clerk


def test_a_clerks_attachment_download_is_never_stored(client: CheckingClient) -> None:
    app = client.application
    case = opened(client)
    files = [(io.BytesIO(a_pdf()), "rechnung.pdf"), (io.BytesIO(png()), "foto.png")]
    sent = submit(client, case, kind="contest", text="Siehe Anhang.", files=files)
    assert sent.status_code == 302, sent.get_data(as_text=True)
    with app.app_context():
        upload_ids = [upload.id for upload in db.session.query(Upload).order_by(Upload.id)]
    assert len(upload_ids) == 2
    clerk = fines_clerk(app)
    for upload_id in upload_ids:
        url = f"/verwaltung/bussgeld/anhang/{upload_id}"
        download = clerk.get(url)
        assert download.status_code == 200, url
        assert_never_kept(download, url)


def test_a_citizens_evidence_photo_and_receipt_are_never_stored(client: CheckingClient) -> None:
    app = client.application
    case = opened(client)
    with app.app_context():
        from werkzeug.datastructures import FileStorage

        from server.fines import cases, uploads

        with app.test_request_context("/"):
            found = cases.get_case(int(case["case_id"]))
            assert found is not None
            photo = FileStorage(io.BytesIO(png()), filename="beweisfoto.png")
            evidence_id = uploads.accept_upload(found, photo, evidence=True).id
    url = f"/bussgeld/fall/{case['aktenzeichen']}/beweisfoto/{evidence_id}"
    photo_response = client.get(url)
    assert photo_response.status_code == 200
    assert_never_kept(photo_response, url)
    sent = submit(client, case, kind="contest", text="Ich war es nicht.")
    assert sent.status_code == 302, sent.get_data(as_text=True)
    page = client.get(sent.headers["Location"])
    receipt = re.search(r'href="([^"]*\.pdf[^"]*)"', page.get_data(as_text=True))
    assert receipt, "no receipt link"
    receipt_response = client.get(receipt.group(1).replace("&amp;", "&"))
    assert receipt_response.mimetype == "application/pdf"
    assert_never_kept(receipt_response, receipt.group(1))


def test_public_responses_carry_the_allow_marker(client: CheckingClient) -> None:
    for url in ("/", "/dienste", "/offline"):
        page = client.get(url)
        assert_may_be_kept(page, url)
        assert page.headers["Cache-Control"] == "private, no-cache", url
    manifest = client.get("/manifest.webmanifest")
    assert_may_be_kept(manifest, "manifest")
    worker = client.get("/sw.js")
    assert_may_be_kept(worker, "sw.js")
    assert worker.headers["Cache-Control"] == "no-cache"
    versioned = client.get("/static/css/portal.css?v=abc")
    assert_may_be_kept(versioned, "versioned static")
    assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert_may_be_kept(client.get("/static/css/portal.css"), "static")
    assert_never_kept(client.get("/static/no-such-file.css?v=abc"), "missing static")
    assert_never_kept(client.get("/dienste/no-such-service"), "public page's 404")


def test_logged_in_only_the_shared_resources_stay_public(client: CheckingClient) -> None:
    make_clerk(client.application, username="clerk")
    log_in_clerk(client, "clerk")
    for url in ("/offline", "/verwaltung/", "/entwuerfe/schluessel"):
        assert_never_kept(client.get(url), url)
    # Nothing of the session in them: still public (the start page stays readable offline).
    assert_may_be_kept(client.get("/"), "start page")
    assert_may_be_kept(client.get("/manifest.webmanifest"), "manifest")
    assert_may_be_kept(client.get("/sw.js"), "sw.js")


def test_a_view_cannot_make_a_personal_response_cacheable(app: Flask) -> None:
    def generous() -> Response:
        response = make_response("personal")
        response.headers["Cache-Control"] = "private, max-age=3600"
        response.headers["Expires"] = "Thu, 01 Jan 2099 00:00:00 GMT"
        response.headers[CACHEABLE_HEADER] = "1"
        return response

    app.add_url_rule("/test-generous", "test_generous", generous)
    response = app.test_client().get("/test-generous")
    assert_never_kept(response, "a view's own max-age")


def test_logging_out_clears_the_browsers_http_cache(client: CheckingClient) -> None:
    app = client.application
    clerk = fines_clerk(app)
    page = clerk.get("/verwaltung/")
    response = clerk.post("/verwaltung/abmelden", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache"'
    assert_never_kept(response, "clerk logout")

    registered_account(app, client, "erika@example.org")
    assert log_in(client, "erika@example.org").status_code == 302
    response = log_out(client)
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache"'

    assert log_in(client, "erika@example.org").status_code == 302
    page = client.get("/konto")
    response = client.post("/konto/ueberall-abmelden", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache"'


def test_the_service_worker_knows_every_logout(app: Flask) -> None:
    """sw.js empties its runtime cache on a POST to these paths: they must be the logouts."""
    source = resources.SERVICE_WORKER.read_text(encoding="utf-8")
    listed = re.search(r"const LOGOUT_PATHS = \[(.*?)\];", source, re.S)
    assert listed, "sw.js lists no logout paths"
    in_worker = set(re.findall(r'"([^"]+)"', listed.group(1)))
    logouts = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint in LOGOUT_ENDPOINTS and "POST" in (rule.methods or set())
    }
    assert len(logouts) == len(LOGOUT_ENDPOINTS)
    assert in_worker == logouts
