"""Downloads of uploads under any name: the Content-Disposition is latin-1 (what gunicorn
sends), parses, carries the real name in ``filename*`` and the stored type's extension."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from flask import Flask
from PIL import Image
from werkzeug.http import parse_options_header
from werkzeug.test import TestResponse

from server.auth.roles import Role
from server.extensions import db
from server.fines.models import Upload
from server.forms.models import FormUpload
from tests.checking_client import CheckingClient, checking_client, csrf_token
from tests.factories import make_clerk
from tests.integration.download_app import PDF
from tests.integration.fines.test_fines_hearing import opened, submit
from tests.integration.helpers import log_in_clerk
from tests.integration.operations.test_commands import CHECKOUT, free_port

NAMES = [
    ("Rechnung 50€.pdf", "Rechnung 50€.pdf", "Rechnung 50EUR.pdf"),
    ('Rech"nung\n\r".pdf', 'Rech"nung ".pdf', "Rech_nung _.pdf"),
    ("Rechnung\u202efdp.exe", "Rechnungfdp.pdf", "Rechnungfdp.pdf"),
    ("seite.html", "seite.pdf", "seite.pdf"),
]


def disposition(response: TestResponse) -> tuple[str, dict[str, str], str]:
    assert response.status_code == 200
    value = response.headers["Content-Disposition"]
    value.encode("latin-1")  # gunicorn answers 500 for a header that is not
    kind, options = parse_options_header(value)
    fallback = value.split('filename="', 1)[1].split('"', 1)[0]
    return kind, options, fallback


def fines_clerk(app: Flask) -> CheckingClient:
    make_clerk(app, username="bussgeld", roles=[Role.FINES])
    clerk = checking_client(app)
    log_in_clerk(clerk, "bussgeld")
    return clerk


@pytest.mark.parametrize(("stored", "real", "fallback"), NAMES)
def test_fines_attachment_downloads_under_any_name(
    client: CheckingClient, stored: str, real: str, fallback: str
) -> None:
    app = client.application
    case = opened(client)
    sent = submit(
        client,
        case,
        kind="contest",
        text="Siehe Rechnung.",
        files=[(io.BytesIO(PDF), "Rechnung 50€.pdf")],
    )
    assert sent.status_code in (200, 302), sent.get_data(as_text=True)
    with app.app_context():
        upload = db.session.query(Upload).one()
        assert upload.content_type == "application/pdf"
        assert upload.original_name == "Rechnung 50€.pdf"  # as the browser sent it
        upload.original_name = stored
        db.session.commit()
        upload_id = upload.id
    download = fines_clerk(app).get(f"/verwaltung/bussgeld/anhang/{upload_id}")
    assert download.mimetype == "application/pdf"
    assert download.get_data() == PDF
    assert disposition(download) == ("attachment", {"filename": real}, fallback)


def test_a_photo_uploaded_as_pdf_name_downloads_as_jpg(client: CheckingClient) -> None:
    app = client.application
    picture = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 200, 0)).save(picture, format="PNG")
    picture.seek(0)
    sent = client.post(
        "/antraege/belege-nachreichen/absenden",
        data={
            "submission_id": str(uuid.uuid4()),
            "aktenzeichen": "BG-2026-000001",
            "name": "Erika Muster",
            "belege": [(picture, "Quittung 50€.pdf")],
        },
        headers={"Accept": "application/json", "X-CSRFToken": csrf_token(client.get("/"))},
    )
    assert sent.status_code == 200, sent.get_data(as_text=True)
    make_clerk(app, username="buergerbuero", roles=[Role.CITIZEN_OFFICE])
    clerk = checking_client(app)
    log_in_clerk(clerk, "buergerbuero")
    with app.app_context():
        upload_id = db.session.query(FormUpload).one().id
    download = clerk.get(f"/verwaltung/antraege/datei/{upload_id}")
    assert download.mimetype == "image/jpeg"
    assert disposition(download) == (
        "attachment",
        {"filename": "Quittung 50€.jpg"},
        "Quittung 50EUR.jpg",
    )


def test_under_gunicorn_every_name_downloads() -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "tests.integration.download_app:create()",
        ],
        cwd=CHECKOUT,
        env={**os.environ, "PYTHONPATH": str(CHECKOUT)},
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:  # the first answer comes after the worker's imports
            assert process.poll() is None, process.stdout.read()  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "gunicorn did not answer"
            try:
                if requests.get(f"{base}/portal?name=a.pdf", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        # The fault of the issue: the name as it is in the header, gunicorn cannot send it.
        raw = requests.get(f"{base}/raw", params={"name": "Rechnung 50€.pdf"}, timeout=5)
        assert raw.status_code == 500
        for stored, real, fallback in NAMES:
            answer = requests.get(f"{base}/portal", params={"name": stored}, timeout=5)
            assert answer.status_code == 200, stored
            assert answer.headers["Server"].startswith("gunicorn")
            assert answer.content == PDF
            value = answer.headers["Content-Disposition"]
            assert parse_options_header(value) == ("attachment", {"filename": real})
            assert f'filename="{fallback}"' in value
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
