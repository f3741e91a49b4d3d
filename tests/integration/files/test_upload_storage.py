"""The upload storage: the local directory, and an S3-compatible object store (moto's server,
run as a separate process speaking the S3 HTTP API, as a stand-in for the production store)."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from PIL import Image

from server.auth.roles import Role
from server.extensions import db
from server.files.storage import LocalStorage, StorageError, make_storage
from tests.checking_client import checking_client, csrf_token
from tests.conftest import _unavailable, empty_all_tables, free_port, make_test_app
from tests.factories import make_clerk
from tests.integration.helpers import log_in_clerk

MOTO_SERVER = Path(sys.executable).with_name("moto_server")


def test_local_storage_keeps_files_under_portal_chosen_keys(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    storage.put("forms/abc123.pdf", b"%PDF-", "application/pdf")
    assert storage.get("forms/abc123.pdf") == b"%PDF-"
    assert not list(tmp_path.rglob("*.part"))
    storage.delete("forms/abc123.pdf")
    with pytest.raises(StorageError):
        storage.get("forms/abc123.pdf")
    for bad in ("../etc/passwd", "forms/../../x", "/abs", "Forms/ABC.pdf"):
        with pytest.raises(ValueError, match="not a storage key"):
            storage.put(bad, b"x", "text/plain")


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    if not MOTO_SERVER.exists() and shutil.which("moto_server") is None:
        _unavailable("moto_server is not installed (pip install 'moto[server]')")
    port = free_port()
    process = subprocess.Popen(
        [
            str(MOTO_SERVER if MOTO_SERVER.exists() else "moto_server"),
            "-H",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        # A loaded machine: moto may accept the connection before it can answer.
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(url, timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("moto_server did not start")
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def s3_settings(endpoint: str, bucket: str) -> dict[str, object]:
    return {
        "UPLOAD_STORAGE": "s3",
        "UPLOAD_S3_ENDPOINT_URL": endpoint,
        "UPLOAD_S3_BUCKET": bucket,
        "UPLOAD_S3_ACCESS_KEY_ID": "test",
        "UPLOAD_S3_SECRET_ACCESS_KEY": "test",
        "UPLOAD_S3_REGION": "eu-central-1",
        "UPLOAD_S3_PREFIX": "portal/",
    }


def test_s3_storage_round_trip(s3_endpoint: str) -> None:
    settings = s3_settings(s3_endpoint, f"b-{uuid.uuid4().hex[:12]}")
    storage = make_storage(settings)
    storage.client.create_bucket(  # type: ignore[attr-defined]
        Bucket=settings["UPLOAD_S3_BUCKET"],
        CreateBucketConfiguration={"LocationConstraint": "eu-central-1"},
    )
    storage.put("forms/x1.jpg", b"\xff\xd8jpeg", "image/jpeg")
    assert storage.get("forms/x1.jpg") == b"\xff\xd8jpeg"
    listed = storage.client.list_objects_v2(Bucket=settings["UPLOAD_S3_BUCKET"])  # type: ignore[attr-defined]
    assert [item["Key"] for item in listed["Contents"]] == ["portal/forms/x1.jpg"]
    storage.delete("forms/x1.jpg")
    with pytest.raises(StorageError):
        storage.get("forms/x1.jpg")


def test_a_submission_keeps_its_files_in_the_object_store(s3_endpoint: str, backend: str) -> None:
    bucket = f"b-{uuid.uuid4().hex[:12]}"
    app = make_test_app(backend, **s3_settings(s3_endpoint, bucket))
    storage = app.extensions["upload_storage"]
    storage.client.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
    )
    try:
        client = checking_client(app)
        picture = io.BytesIO()
        Image.new("RGB", (20, 20), (0, 200, 0)).save(picture, format="PNG")
        picture.seek(0)
        sent = client.post(
            "/antraege/belege-nachreichen/absenden",
            data={
                "submission_id": str(uuid.uuid4()),
                "aktenzeichen": "BG-2026-000001",
                "name": "Erika Muster",
                "belege": [(picture, "quittung.png")],
            },
            headers={"Accept": "application/json", "X-CSRFToken": csrf_token(client.get("/"))},
        )
        assert sent.status_code == 200, sent.get_data(as_text=True)
        listed = storage.client.list_objects_v2(Bucket=bucket)
        keys = [item["Key"] for item in listed["Contents"]]
        assert len(keys) == 1
        assert keys[0].startswith("portal/forms/")
        assert keys[0].endswith(".jpg")

        make_clerk(app, username="buergerbuero", roles=[Role.CITIZEN_OFFICE])
        clerk = checking_client(app)
        log_in_clerk(clerk, "buergerbuero")
        inbox = clerk.get("/verwaltung/antraege/belege-nachreichen/").get_data(as_text=True)
        assert "BEL-" in inbox
        with app.app_context():
            from sqlalchemy import select

            from server.forms.models import FormUpload

            upload_id = db.session.scalar(select(FormUpload.id))
        download = clerk.get(f"/verwaltung/antraege/datei/{upload_id}")
        assert download.status_code == 200
        assert download.mimetype == "image/jpeg"
        assert download.get_data().startswith(b"\xff\xd8")
    finally:
        with app.app_context():
            db.engine.dispose()
        empty_all_tables(backend)


def test_a_fines_hearing_keeps_its_files_in_the_object_store(
    s3_endpoint: str, backend: str
) -> None:
    """The fines area's files go through the same storage: a citizen's hearing attachment and
    the office's evidence photo land in the bucket, are read back from it, go with the case."""
    from server.fines.hearing import delete_case
    from server.fines.models import FineCase, Upload
    from tests.integration.fines.test_fines_hearing import opened, png, submit

    bucket = f"b-{uuid.uuid4().hex[:12]}"
    app = make_test_app(backend, **s3_settings(s3_endpoint, bucket))
    storage = app.extensions["upload_storage"]
    storage.client.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
    )

    def keys() -> list[str]:
        listed = storage.client.list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    try:
        citizen = checking_client(app)
        case = opened(citizen)
        sent = submit(
            citizen,
            case,
            kind="contest",
            text="Ich stand dort nicht, siehe Foto.",
            files=[(io.BytesIO(png()), "beweis.png")],
        )
        assert sent.status_code == 302, sent.get_data(as_text=True)
        with app.app_context():
            case_id = db.session.query(FineCase).one().id
            attachment = db.session.query(Upload).one()
            attachment_id = attachment.id
            attachment_key = f"portal/fines/{case_id}/{attachment.stored_name}"
        assert keys() == [attachment_key]
        assert not list(Path(app.config["UPLOAD_DIR"]).rglob("*.*"))  # nothing on the disk

        make_clerk(app, username="bussgeld", roles=[Role.FINES])
        clerk = checking_client(app)
        log_in_clerk(clerk, "bussgeld")
        download = clerk.get(f"/verwaltung/bussgeld/anhang/{attachment_id}")
        assert download.status_code == 200
        assert download.mimetype == "image/jpeg"
        assert download.get_data()[:3] == b"\xff\xd8\xff"
        assert "attachment" in download.headers["Content-Disposition"]
        assert "beweis.jpg" in download.headers["Content-Disposition"]

        page = clerk.get(f"/verwaltung/bussgeld/fall/{case_id}")
        clerk.post(
            f"/verwaltung/bussgeld/fall/{case_id}/beweisfoto",
            data={"csrf_token": csrf_token(page), "photo": (io.BytesIO(png()), "tatort.png")},
            content_type="multipart/form-data",
        )
        with app.app_context():
            evidence = db.session.query(Upload).filter(Upload.evidence.is_(True)).one()
            evidence_id = evidence.id
            evidence_key = f"portal/fines/{case_id}/{evidence.stored_name}"
        assert keys() == sorted([attachment_key, evidence_key])
        photo = citizen.get(f"/bussgeld/fall/{case['aktenzeichen']}/beweisfoto/{evidence_id}")
        assert photo.status_code == 200
        assert photo.mimetype == "image/jpeg"
        assert photo.get_data()[:3] == b"\xff\xd8\xff"
        assert clerk.get(f"/verwaltung/bussgeld/anhang/{evidence_id}").status_code == 200

        with app.app_context():
            found = db.session.get(FineCase, case_id)
            assert found is not None
            delete_case(found)
        assert keys() == []
    finally:
        with app.app_context():
            db.engine.dispose()
        empty_all_tables(backend)
