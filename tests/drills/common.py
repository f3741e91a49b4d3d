"""What several drills do: seed through the test app, read the database, fill forms."""

from __future__ import annotations

import io
import re
import uuid
from typing import Any

import requests
from PIL import Image
from sqlalchemy import create_engine, func, select, text

from server.extensions import db
from tests.conftest import make_test_app
from tests.drills.processes import wait_for
from tests.factories import make_fine_case


def csrf_token(page: requests.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text[:300]
    return found.group(1)


def meta_csrf_token(page: requests.Response) -> str:
    """The token pages carry for scripts (the drafts client sends it as ``X-CSRFToken``)."""
    found = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert found, page.text[:300]
    return found.group(1)


def wait_for_a_lock_waiter(database: str, what: str) -> None:
    """Until another connection waits for a row lock (the drill holds one, so that the process
    it will cut is caught inside its transaction)."""
    watcher = create_engine(database)

    def waits() -> bool:
        with watcher.connect() as connection:
            return bool(
                connection.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND pid <> pg_backend_pid()"
                    )
                )
            )

    try:
        wait_for(waits, what)
    finally:
        watcher.dispose()


def count_rows(database: str, model: Any) -> int:
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        engine.dispose()


def seed_fine_case(database: str, **overrides: str) -> dict[str, str]:
    app = make_test_app(database, **overrides)
    try:
        return make_fine_case(app)
    finally:
        with app.app_context():
            db.engine.dispose()


def picture(color: tuple[int, int, int] = (0, 160, 0)) -> bytes:
    content = io.BytesIO()
    Image.new("RGB", (24, 24), color).save(content, format="PNG")
    return content.getvalue()


def send_receipts(
    client: requests.Session,
    base: str,
    token: str,
    submission_id: str | None = None,
    files: int = 1,
) -> requests.Response:
    """What the drafts client posts when the citizen sends "Belege nachreichen": every answer
    and file in one multipart body, as JSON client, idempotent on ``submission_id``."""
    return client.post(
        f"{base}/antraege/belege-nachreichen/absenden",
        data={
            "submission_id": submission_id or str(uuid.uuid4()),
            "aktenzeichen": "BG-2026-000001",
            "name": "Erika Muster",
        },
        files=[
            ("belege", (f"quittung-{n}.png", picture((n * 40 % 255, 160, 0)), "image/png"))
            for n in range(files)
        ],
        headers={
            "Accept": "application/json",
            "X-CSRFToken": token,
            "Referer": f"{base}/antraege/belege-nachreichen",
        },
        timeout=30,
    )
