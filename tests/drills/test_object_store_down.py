"""Drill: the S3 object store that keeps every upload (moto's server here) is killed under a
running portal, and started again (issue 21).

What must hold: an upload is refused with a clear message (503; JSON for the drafts client,
whose rule is that a 5xx keeps the submission, files included, on the device and sends it
again later); nothing half-written is referenced (no row names a file the store does not
hold, no submission without its files); a clerk's download shows a clear page; ``/readyz``
names the failed file storage; the same portal stores and serves files again once the store
is back. moto keeps everything in memory, so the restarted store is empty, as after losing
it: the drill checks the files stored after the restart."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, select

from server.auth.roles import Role
from server.extensions import db
from server.forms.models import FormSubmission, FormUpload
from tests.conftest import make_test_app
from tests.drills.clerks import log_in_clerk
from tests.drills.common import (
    count_rows,
    meta_csrf_token,
    picture,
    send_receipts,
)
from tests.drills.conftest import SECRET_KEY, Serve, production_settings
from tests.drills.processes import MotoS3, browser
from tests.factories import make_clerk

pytestmark = pytest.mark.drill

LEAKS = ("Traceback", "botocore", "StorageError", "Internal Server Error", "moto")


def stored_keys(store: MotoS3) -> set[str]:
    listed: dict[str, Any] = store.client().list_objects_v2(Bucket=store.bucket)  # type: ignore[attr-defined]
    return {item["Key"].removeprefix("portal/") for item in listed.get("Contents", [])}


def referenced_keys(database: str) -> set[str]:
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            return set(connection.scalars(select(FormUpload.storage_key)))
    finally:
        engine.dispose()


def upload_ids(database: str) -> list[int]:
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(select(FormUpload.id).order_by(FormUpload.id)))
    finally:
        engine.dispose()


def test_uploads_are_refused_cleanly_while_the_object_store_is_down(
    database: str, store_up: MotoS3, serve: Serve
) -> None:
    app = make_test_app(database, SECRET_KEY=SECRET_KEY)
    make_clerk(app, username="buergerbuero", roles=[Role.CITIZEN_OFFICE])
    with app.app_context():
        db.engine.dispose()
    portal = serve(production_settings(database, **store_up.settings()))
    citizen = browser()
    token = meta_csrf_token(citizen.get(f"{portal.url}/antraege/belege-nachreichen", timeout=10))
    assert send_receipts(citizen, portal.url, token).status_code == 200
    [earlier] = upload_ids(database)
    clerk = log_in_clerk(portal, database, "buergerbuero")
    attachment = f"{portal.url}/verwaltung/antraege/datei/{earlier}"
    assert clerk.get(attachment, timeout=10).status_code == 200

    store_up.kill()

    # The drafts client sends the whole submission: refused, as JSON it understands.
    submission_id = str(uuid.uuid4())
    refused = send_receipts(citizen, portal.url, token, submission_id, files=2)
    assert refused.status_code == 503, refused.text[:300]
    assert refused.json()["status"] == "unavailable"
    assert "Dateien können gerade nicht gespeichert werden" in refused.json()["message"]
    assert int(refused.headers["Retry-After"]) > 0
    # A browser without the drafts client gets the page.
    page = citizen.post(
        f"{portal.url}/antraege/belege-nachreichen/absenden",
        data={
            "submission_id": str(uuid.uuid4()),
            "aktenzeichen": "BG-2026-000001",
            "name": "Erika Muster",
            "csrf_token": token,
        },
        files=[("belege", ("quittung.png", picture(), "image/png"))],
        headers={"Referer": f"{portal.url}/antraege/belege-nachreichen"},
        timeout=30,
    )
    assert page.status_code == 503, page.text[:300]
    assert "Dateien können gerade nicht gespeichert werden" in page.text
    assert "nichts gesendet" in page.text
    # The clerk's download.
    download = clerk.get(attachment, timeout=30)
    assert download.status_code == 503
    assert "Datei gerade nicht verfügbar" in download.text
    for leak in LEAKS:
        assert leak not in download.text
    ready = requests.get(f"{portal.url}/readyz", timeout=30)
    assert (ready.status_code, ready.json()["checks"]["file_storage"]) == (503, "failed")
    # Nothing of the refused submission was written.
    assert count_rows(database, FormSubmission) == 1
    assert upload_ids(database) == [earlier]

    store_up.start()  # empty, as moto keeps nothing
    assert requests.get(f"{portal.url}/readyz", timeout=30).status_code == 200
    arrived = send_receipts(citizen, portal.url, token, submission_id, files=2)
    assert arrived.status_code == 200, arrived.text[:300]
    assert count_rows(database, FormSubmission) == 2
    later = upload_ids(database)[1:]
    assert len(later) == 2
    for upload in later:
        got = clerk.get(f"{portal.url}/verwaltung/antraege/datei/{upload}", timeout=10)
        assert got.status_code == 200
        assert got.content.startswith(b"\xff\xd8")
    # Every file the store holds is named by a row, and every row's file stored after the
    # restart is there: nothing half-written, nothing left over.
    keys = referenced_keys(database)
    assert stored_keys(store_up) <= keys
    assert len(stored_keys(store_up)) == 2
    assert not re.search(r"portal\.web.*Traceback", portal.output())
