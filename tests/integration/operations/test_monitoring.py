"""``/metrics`` as a Prometheus scraper sees it, and ``/readyz`` as a load balancer does."""

from __future__ import annotations

import os
import secrets
import subprocess
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import requests
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from server.db import utcnow
from server.extensions import db
from server.files.storage import make_storage
from server.mail.outbox import queue_mail, send_pending
from server.payments.clarifications import open_clarification
from server.payments.closing import close_receivable
from server.payments.journal import ReceivableStatus, book
from server.payments.models import (
    BookingKind,
    BookingSource,
    ClarificationReason,
    ClosingReason,
    Receivable,
)
from server.payments.receivables import list_receivables
from tests.conftest import free_port, make_test_app
from tests.factories import make_receivable
from tests.integration.files.test_upload_storage import s3_endpoint, s3_settings  # noqa: F401
from tests.integration.operations.test_commands import (  # noqa: F401
    PORTAL,
    start,
    started,
    wait_until_up,
)

TOKEN = "scrape-" + "x" * 24


@contextmanager
def portal_with_token(backend: str, **overrides: object) -> Iterator[Flask]:
    portal = make_test_app(backend, METRICS_TOKEN=TOKEN, **overrides)
    yield portal
    with portal.app_context():
        db.engine.dispose()


def _scrape(app: Flask) -> tuple[str, list[Sample]]:
    response = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    samples = [s for family in text_string_to_metric_families(text) for s in family.samples]
    return text, samples


def _value(samples: list[Sample], name: str, **labels: str) -> float:
    found = [s.value for s in samples if s.name == name and s.labels == labels]
    assert len(found) == 1, f"{name}{labels}: {found}"
    return found[0]


def test_metrics_is_not_there_without_a_token_setting(app: Flask) -> None:
    response = app.test_client().get("/metrics", headers={"Authorization": "Bearer "})
    assert response.status_code == 404


def test_metrics_refuses_a_scraper_without_the_token(app: Flask) -> None:
    with portal_with_token(app.config["DATABASE_URL"]) as portal:
        client = portal.test_client()
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
            response = client.get("/metrics", headers=headers)
            assert response.status_code == 401
            assert response.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
            assert "portal_http_requests" not in response.get_data(as_text=True)


def test_a_request_is_counted_under_its_url_rule_never_its_path(app: Flask) -> None:
    token = secrets.token_urlsafe(16)
    with portal_with_token(app.config["DATABASE_URL"]) as portal:
        client = portal.test_client()
        client.get(f"/b/{token}")
        client.get(f"/b/{token}")
        client.get("/dienste")
        client.get(f"/nirgends/{token}")
        text, samples = _scrape(portal)

    assert token not in text
    letters = [s for s in samples if s.labels.get("route") == "/b/<token>"]
    counted = [s for s in letters if s.name == "portal_http_requests_total"]
    no_such_letter = ("GET", "404", 2.0)
    assert [(s.labels["method"], s.labels["status"], s.value) for s in counted] == [no_such_letter]
    timed = "portal_http_request_duration_seconds_count"
    assert _value(samples, timed, method="GET", route="/b/<token>") == 2
    counter = "portal_http_requests_total"
    assert _value(samples, counter, method="GET", route="/dienste", status="200") == 1
    assert _value(samples, counter, method="GET", route="<unmatched>", status="404") == 1


def test_the_outbox_backlog_is_the_mails_waiting_and_given_up(app: Flask) -> None:
    # Nobody listens on this port: every delivery fails, as with a mail server that is down.
    mail_server_down = {"MAIL_BACKEND": "smtp", "MAIL_SMTP_PORT": free_port()}
    with portal_with_token(app.config["DATABASE_URL"], **mail_server_down) as portal:
        with portal.app_context():
            with db.transaction():
                for number in range(3):
                    queue_mail(recipient=f"b{number}@example.org", subject="Eingang", body="Text")
            # The first attempt, then one past MAIL_GIVE_UP_HOURS: given up.
            assert send_pending() == (0, 3)
            give_up = timedelta(hours=portal.config["MAIL_GIVE_UP_HOURS"])
            assert send_pending(now=utcnow() + give_up) == (0, 3)
            with db.transaction():
                queue_mail(recipient="neu@example.org", subject="Eingang", body="Text")
        _text, samples = _scrape(portal)

    assert _value(samples, "portal_outbox_mails", state="waiting") == 1
    assert _value(samples, "portal_outbox_mails", state="failed") == 3
    assert _value(samples, "portal_clarifications_open") == 0
    assert _value(samples, "portal_receivables", state="open") == 0
    assert _value(samples, "portal_online_payments", state="paid") == 0


def _ready(portal: Flask) -> tuple[int, object]:
    response = portal.test_client().get("/readyz")
    assert response.headers["Cache-Control"] == "no-store"
    return response.status_code, response.json


def test_readyz_names_each_check(app: Flask) -> None:
    assert _ready(app) == (
        200,
        {
            "status": "ok",
            "checks": {
                "database": "ok",
                "rate_limit_storage": "not configured",
                "file_storage": "ok",
            },
        },
    )


def test_readyz_is_503_naming_the_unreachable_database() -> None:
    portal = make_test_app("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=1")
    assert _ready(portal) == (
        503,
        {
            "status": "unavailable",
            "checks": {
                "database": "failed",
                "rate_limit_storage": "not configured",
                "file_storage": "ok",
            },
        },
    )


def test_readyz_checks_the_object_store(app: Flask, s3_endpoint: str) -> None:  # noqa: F811
    bucket = f"b-{uuid.uuid4().hex[:12]}"
    settings = s3_settings(s3_endpoint, bucket)
    with portal_with_token(app.config["DATABASE_URL"], **settings) as portal:
        assert _ready(portal)[0] == 503  # the bucket is not there (yet)
        client = make_storage(settings).client  # type: ignore[attr-defined]
        client.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
        )
        assert _ready(portal)[0] == 200
        assert "Contents" not in client.list_objects_v2(Bucket=bucket)  # the probe is gone

    closed = {**settings, "UPLOAD_S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"}
    with portal_with_token(app.config["DATABASE_URL"], **closed) as portal:
        assert _ready(portal) == (
            503,
            {
                "status": "unavailable",
                "checks": {
                    "database": "ok",
                    "rate_limit_storage": "not configured",
                    "file_storage": "failed",
                },
            },
        )


def test_metrics_sum_the_workers_of_portal_serve(
    tmp_path: Path,
    started: list[subprocess.Popen[str]],  # noqa: F811
) -> None:
    """Under gunicorn each worker counts in its own process: /metrics adds them up, whichever
    worker answers the scrape, and a value file of an earlier run is not added."""
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"left over")
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "PORTAL_ENV": "production",
        "SECRET_KEY": "s" * 32,
        "PAYMENT_PROVIDER": "xbezahldienste",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    subprocess.run(
        [str(PORTAL), "db", "upgrade"], env={**os.environ, **env}, check=True, timeout=60
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start(["serve", "--bind", f"127.0.0.1:{port}", "--workers", "3"], env, started)
    wait_until_up(f"{base}/readyz", process)

    # Six at a time: a worker serves one request at a time, so the others take the rest (one
    # after another, the worker that just answered would take each next connection itself).
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: requests.get(f"{base}/dienste", timeout=10), range(30)))
    assert [answer.status_code for answer in answers] == [200] * 30
    for _scrape in range(6):
        response = requests.get(
            f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5
        )
        assert response.status_code == 200
        samples = [
            s for family in text_string_to_metric_families(response.text) for s in family.samples
        ]
        counter = "portal_http_requests_total"
        assert _value(samples, counter, method="GET", route="/dienste", status="200") == 30
        assert _value(samples, "portal_outbox_mails", state="waiting") == 0
    # More than one worker counted.
    assert len({path.name.rsplit("_", 1)[1] for path in metrics_dir.glob("counter_*.db")}) >= 2


def test_receivables_are_counted_by_the_status_their_journal_gives_them(app: Flask) -> None:
    with portal_with_token(app.config["DATABASE_URL"]) as portal:
        booked = {"open": [], "partial": [1000], "paid": [2500], "overpaid": [3000]}
        for status, payments in booked.items():
            receivable_id, _kz, _token = make_receivable(portal, amount_cents=2500)
            with portal.app_context(), db.transaction() as session:
                receivable = session.get(Receivable, receivable_id)
                assert receivable is not None
                for number, cents in enumerate(payments):
                    book(
                        session,
                        receivable=receivable,
                        kind=BookingKind.PAYMENT,
                        amount_cents=cents,
                        source=BookingSource.BANK,
                        source_ref=f"{status}-{number}",
                    )
        closed_id, _kz, _token = make_receivable(portal, amount_cents=2500)
        with portal.app_context():
            closed = db.session.get(Receivable, closed_id)
            assert closed is not None
            close_receivable(closed, reason=ClosingReason.DISCONTINUED, actor="bussgeld")
            with db.transaction() as session:
                open_clarification(
                    session,
                    reason=ClarificationReason.UNKNOWN_REFERENCE,
                    source_ref="statement-1/entry-7",
                    receivable=None,
                    amount_cents=1500,
                )
            journal = Counter(balance.status.value for _r, balance in list_receivables())
        _text, samples = _scrape(portal)

    counted = {s.labels["state"]: s.value for s in samples if s.name == "portal_receivables"}
    assert counted == {status.value: journal[status.value] for status in ReceivableStatus}
    assert counted == {"open": 1, "partial": 1, "paid": 1, "overpaid": 1, "closed": 1}
    assert _value(samples, "portal_clarifications_open") == 1
