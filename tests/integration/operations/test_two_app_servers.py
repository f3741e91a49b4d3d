"""Two `portal serve` instances behind nginx (docs/deploy/nginx.conf with two upstream lines), on
one PostgreSQL, one Redis and one S3-compatible store (moto's server), as a city runs the portal
when a fine batch goes out: nginx alternates the requests between the two, and what a citizen and
a clerk do behaves as on one server. Sessions, CSRF tokens, rate-limit counters and uploads made
on one are known to the other."""

from __future__ import annotations

import io
import os
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest
import redis
import requests
from PIL import Image
from sqlalchemy import select

from server.auth.roles import Role
from server.extensions import db
from server.migrate import upgrade
from tests.conftest import _postgres_database, make_test_app
from tests.drills.payments import pay_at_platform
from tests.drills.processes import PaymentPlatform
from tests.factories import DEFAULT_PASSWORD, make_clerk, make_fine_case, make_receivable
from tests.integration.files.test_upload_storage import s3_endpoint  # noqa: F401  # fixture
from tests.integration.helpers import unused_code
from tests.integration.operations.test_behind_nginx import (
    NGINX,
    nginx_config,
    phone,
    self_signed,
    stop,
)
from tests.integration.operations.test_commands import CHECKOUT, PORTAL, free_port
from tests.peers.smtp.fixtures import SmtpServer, running_smtp

UPSTREAM = "X-Test-Upstream"
# A Redis database of its own, emptied before and after: the counters of no other run.
REDIS_URL = "redis://127.0.0.1:6379/11"
SECRET_KEY = "n" * 32


@dataclass
class Portal:
    base: str
    cert: Path
    database: str
    bucket: str
    s3: dict[str, str]
    case: dict[str, str]
    logs: list[Path]
    notice: tuple[str, str]  # a receivable's Kassenzeichen and its notice link's token
    smtp: SmtpServer
    served_by: list[str] = field(default_factory=list)

    def client(self, address: str = "127.0.0.2") -> requests.Session:
        session = phone(address, self.cert)
        session.hooks["response"].append(self._note)
        return session

    def _note(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        self.served_by.append(response.headers.get(UPSTREAM, ""))


def wait_for(
    base: str, cert: Path, processes: list[subprocess.Popen[bytes]], logs: list[Path]
) -> None:
    deadline = time.monotonic() + 90
    seen: set[str] = set()
    while len(seen) < len(processes):
        for process, log in zip(processes, logs, strict=True):
            assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "the portal did not answer through nginx"
        try:
            answer = requests.get(f"{base}/healthz", verify=str(cert), timeout=2)
            # "A, B" when nginx tried A first, found it not yet listening and took B.
            if answer.ok and "," not in answer.headers[UPSTREAM]:
                seen.add(answer.headers[UPSTREAM])
        except requests.RequestException:
            pass
        time.sleep(0.1)


@pytest.fixture(scope="module")
def running(
    tmp_path_factory: pytest.TempPathFactory,
    s3_endpoint: str,  # noqa: F811
) -> Iterator[Portal]:
    """Started once for the module: two gunicorns, nginx and a database take a while."""
    tmp_path = tmp_path_factory.mktemp("two")
    if not Path(NGINX).exists():
        pytest.fail("nginx is needed (apt-get install nginx-light)")
    counters = redis.Redis.from_url(REDIS_URL)
    try:
        counters.flushdb()
    except redis.ConnectionError as error:
        pytest.fail(f"Redis is needed at {REDIS_URL}: {error}")
    bucket = f"b-{uuid.uuid4().hex[:12]}"
    s3 = {
        "UPLOAD_STORAGE": "s3",
        "UPLOAD_S3_ENDPOINT_URL": s3_endpoint,
        "UPLOAD_S3_BUCKET": bucket,
        "UPLOAD_S3_ACCESS_KEY_ID": "test",
        "UPLOAD_S3_SECRET_ACCESS_KEY": "test",
        "UPLOAD_S3_REGION": "eu-central-1",
        "UPLOAD_S3_PREFIX": "portal/",
    }
    boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="eu-central-1",
    ).create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    for database in _postgres_database(f"portal_two_{uuid.uuid4().hex[:8]}"):
        upgrade(database)
        # The servers' key: the clerk's second factor is sealed with it.
        app = make_test_app(database, SECRET_KEY=SECRET_KEY)
        case = make_fine_case(app)
        make_clerk(app, username="buergerbuero", roles=[Role.CITIZEN_OFFICE])
        with app.app_context():
            db.engine.dispose()
        _, kassenzeichen, token = make_receivable(app, amount_cents=2500)
        with app.app_context():
            db.engine.dispose()
        cert, key = self_signed(tmp_path)
        nginx_port = free_port()
        ports = [free_port(), free_port()]
        base = f"https://127.0.0.1:{nginx_port}"
        # The payment platform as a server of its own (production refuses the built-in
        # sandbox); its notifications go to the first app server, the citizen comes back
        # through nginx to whichever answers.
        platform = PaymentPlatform(database, tmp_path / "platform.log")
        stack = ExitStack()
        smtp = stack.enter_context(running_smtp(tmp_path))
        env = {
            **os.environ,
            "PYTHONPATH": str(CHECKOUT),
            "DATABASE_URL": database,
            "PORTAL_ENV": "production",
            "SECRET_KEY": SECRET_KEY,
            "PAYMENT_PROVIDER": "xbezahldienste",
            "PORTAL_BASE_URL": base,
            "TRUSTED_PROXIES": "1",
            "RATELIMIT_STORAGE_URI": REDIS_URL,
            "FINES_ACCESS_RATE_LIMIT": "3 per minute",
            **platform.portal_settings(platform.url),
            **{name: str(value) for name, value in smtp.portal_settings().items()},
            **s3,
        }
        logs = [tmp_path / f"portal-{port}.log" for port in ports]
        servers = []
        for port, log in zip(ports, logs, strict=True):
            with log.open("wb") as output:
                servers.append(
                    subprocess.Popen(
                        [str(PORTAL), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
                        env={**env, "UPLOAD_DIR": str(tmp_path / f"uploads-{port}")},
                        stdout=output,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        # Two job workers beside the two web servers: each job runs once however many run.
        for number in (1, 2):
            with (tmp_path / f"worker-{number}.log").open("wb") as output:
                servers.append(
                    subprocess.Popen(
                        [str(PORTAL), "worker"],
                        env={**env, "UPLOAD_DIR": str(tmp_path / "uploads-worker")},
                        stdout=output,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        config = nginx_config(tmp_path, nginx_port, ports, cert, key)
        nginx = subprocess.Popen(
            [NGINX, "-p", str(tmp_path), "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            platform.start(
                platform.url,
                f"http://127.0.0.1:{ports[0]}/zahlungen/benachrichtigung/xbezahldienste",
            )
            wait_for(base, cert, servers[:2], logs)
            yield Portal(base, cert, database, bucket, s3, case, logs, (kassenzeichen, token), smtp)
        finally:
            platform.close()
            stop(nginx)
            for server in servers:
                stop(server)
            stack.close()
            counters.flushdb()


@pytest.fixture
def two_servers(running: Portal) -> Portal:
    running.served_by.clear()
    return running


def form_token(page: requests.Response) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    return token.group(1)


def test_requests_alternate_between_the_two(two_servers: Portal) -> None:
    citizen = two_servers.client()
    for _ in range(4):
        assert citizen.get(f"{two_servers.base}/healthz", timeout=10).ok
    assert len(set(two_servers.served_by)) == 2
    # Round robin: never the same server twice in a row for one visitor alone.
    assert all(
        a != b for a, b in zip(two_servers.served_by, two_servers.served_by[1:], strict=False)
    )


def test_a_citizen_opens_their_case_across_both(two_servers: Portal) -> None:
    base, case = two_servers.base, two_servers.case
    citizen = two_servers.client("127.0.0.3")
    form = citizen.get(f"{base}/bussgeld", timeout=10)
    opened = citizen.post(
        f"{base}/bussgeld",
        data={
            "csrf_token": form_token(form),
            "aktenzeichen": case["aktenzeichen"],
            "access_code": case["access_code"],
        },
        headers={"Referer": f"{base}/bussgeld"},
        allow_redirects=False,
        timeout=10,
    )
    assert opened.status_code == 302, opened.text[:500]
    page = citizen.get(base + opened.headers["Location"], timeout=10)
    assert case["aktenzeichen"] in page.text
    # The token came from one server and was accepted by the other; the session the other
    # made opened the case page on the first again.
    form_server, post_server, page_server = two_servers.served_by
    assert form_server != post_server
    assert page_server != post_server


def test_rate_limits_count_on_both(two_servers: Portal) -> None:
    """Three wrong codes a minute per citizen: spread over two servers they are still three (a
    counter per process would allow six)."""
    base, case = two_servers.base, two_servers.case
    guesser = two_servers.client("127.0.0.4")
    answers = []
    form = guesser.get(f"{base}/bussgeld", timeout=10)
    for _ in range(4):
        answers.append(
            guesser.post(
                f"{base}/bussgeld",
                data={
                    "csrf_token": form_token(form),
                    "aktenzeichen": case["aktenzeichen"],
                    "access_code": "WRONG-CODE",
                },
                headers={"Referer": f"{base}/bussgeld"},
                allow_redirects=False,
                timeout=10,
            ).status_code
        )
    assert answers == [422, 422, 422, 429]
    posted_on = two_servers.served_by[1:]
    assert len(set(posted_on)) == 2, posted_on


def log_in_clerk(portal: Portal, clerk: requests.Session) -> None:
    base = portal.base
    page = clerk.get(f"{base}/verwaltung/anmelden", timeout=10)
    password = clerk.post(
        f"{base}/verwaltung/anmelden",
        data={
            "csrf_token": form_token(page),
            "username": "buergerbuero",
            "password": DEFAULT_PASSWORD,
        },
        headers={"Referer": f"{base}/verwaltung/anmelden"},
        allow_redirects=False,
        timeout=10,
    )
    assert password.status_code == 302, password.text[:500]
    code_page = clerk.get(f"{base}/verwaltung/anmelden/code", timeout=10)
    app = make_test_app(portal.database, SECRET_KEY=SECRET_KEY)
    try:
        code = unused_code(app, "buergerbuero")
    finally:
        with app.app_context():
            db.engine.dispose()
    entered = clerk.post(
        f"{base}/verwaltung/anmelden/code",
        data={"csrf_token": form_token(code_page), "code": code},
        headers={"Referer": f"{base}/verwaltung/anmelden/code"},
        allow_redirects=False,
        timeout=10,
    )
    assert entered.status_code == 302


def test_an_upload_to_one_is_read_from_the_other(two_servers: Portal) -> None:
    base = two_servers.base
    citizen = two_servers.client("127.0.0.5")
    start = citizen.get(f"{base}/", timeout=10)
    token = re.search(r'name="csrf-token" content="([^"]+)"', start.text)
    assert token
    picture = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 200, 0)).save(picture, format="PNG")
    sent = citizen.post(
        f"{base}/antraege/belege-nachreichen/absenden",
        data={
            "submission_id": str(uuid.uuid4()),
            "aktenzeichen": "BG-2026-000001",
            "name": "Erika Muster",
        },
        files={"belege": ("quittung.png", picture.getvalue(), "image/png")},
        headers={
            "Accept": "application/json",
            "X-CSRFToken": token.group(1),
            "Referer": f"{base}/antraege/belege-nachreichen",
        },
        timeout=30,
    )
    assert sent.status_code == 200, sent.text[:500]
    uploaded_on = two_servers.served_by[-1]

    app = make_test_app(two_servers.database, **two_servers.s3)
    try:
        from server.forms.models import FormUpload

        with app.app_context():
            upload_id = db.session.scalar(select(FormUpload.id))
    finally:
        with app.app_context():
            db.engine.dispose()
    assert upload_id is not None

    clerk = two_servers.client("127.0.0.6")
    log_in_clerk(two_servers, clerk)
    for _ in range(2):  # once from each server
        download = clerk.get(f"{base}/verwaltung/antraege/datei/{upload_id}", timeout=10)
        assert download.status_code == 200, download.text[:300]
        assert download.headers["Content-Type"].startswith("image/jpeg")
        assert download.content.startswith(b"\xff\xd8")
    assert uploaded_on in two_servers.served_by[-2:]
    assert len(set(two_servers.served_by[-2:])) == 2
    # Nothing on either server's own disk: both work from the object store.
    for port_dir in two_servers.logs[0].parent.glob("uploads-*"):
        assert not [path for path in port_dir.rglob("*") if path.is_file()]


def test_drafts_are_the_same_on_both(two_servers: Portal) -> None:
    """The key of the drafts kept in the browser and a logged-in citizen's draft on the server
    are the same whichever server answers."""
    from tests.integration.accounts_helpers import PASSWORD, registered_account

    app = make_test_app(two_servers.database, SECRET_KEY=SECRET_KEY)
    try:
        registered_account(app, app.test_client(), "drafts@example.org")  # type: ignore[arg-type]
    finally:
        with app.app_context():
            db.engine.dispose()
    base = two_servers.base
    citizen = two_servers.client("127.0.0.7")
    keys = [citizen.get(f"{base}/entwuerfe/schluessel", timeout=10).json() for _ in range(2)]
    assert keys[0]["id"] == keys[1]["id"]
    assert keys[0]["key"] == keys[1]["key"]
    assert len(set(two_servers.served_by)) == 2

    page = citizen.get(f"{base}/konto", timeout=10)
    logged_in = citizen.post(
        f"{base}/konto/anmelden",
        data={"csrf_token": form_token(page), "email": "drafts@example.org", "password": PASSWORD},
        headers={"Referer": f"{base}/konto"},
        allow_redirects=False,
        timeout=10,
    )
    assert logged_in.status_code == 302, logged_in.text[:300]
    # The login made a new session: the drafts client asks for a fresh token, as after any login.
    token = citizen.get(f"{base}/entwuerfe/schluessel", timeout=10).json()["csrf"]
    two_servers.served_by.clear()
    saved = citizen.put(
        f"{base}/antraege/kita-anmeldung/entwurf",
        json={"answers": {"kind_vorname": "Mia"}, "step": ""},
        headers={"X-CSRFToken": token, "Referer": f"{base}/antraege/kita-anmeldung"},
        timeout=10,
    )
    assert saved.status_code == 200, saved.text[:300]
    found = citizen.get(f"{base}/antraege/kita-anmeldung/entwurf", timeout=10)
    assert found.status_code == 200, found.text[:300]
    assert found.json()["answers"]["kind_vorname"] == ["Mia"]
    assert two_servers.served_by[0] != two_servers.served_by[1]


def test_a_payment_started_on_one_is_finished_on_the_other(two_servers: Portal) -> None:
    """Online payment through the platform: started through nginx, notified to the first
    server, the citizen back through nginx: paid and booked once, whoever answered."""
    from server.payments.models import Booking, OnlinePayment

    base = two_servers.base
    kassenzeichen, token = two_servers.notice
    citizen = two_servers.client("127.0.0.8")
    assert citizen.get(f"{base}/zahlungen/z/{token}", timeout=10).status_code == 200
    page = citizen.get(f"{base}/zahlungen/{kassenzeichen}", timeout=10)
    started = citizen.post(
        f"{base}/zahlungen/{kassenzeichen}/online",
        data={"csrf_token": form_token(page)},
        headers={"Referer": f"{base}/zahlungen/{kassenzeichen}"},
        allow_redirects=False,
        timeout=30,
    )
    assert started.status_code == 302, started.text[:300]
    back = pay_at_platform(started.headers["Location"])
    assert back.startswith(base)
    receipt = citizen.get(back, timeout=30)
    assert receipt.status_code == 200
    assert "bezahlt" in receipt.text.lower()
    assert len(set(two_servers.served_by)) == 2
    app = make_test_app(two_servers.database, SECRET_KEY=SECRET_KEY)
    try:
        with app.app_context():
            payments = db.session.scalars(select(OnlinePayment.state)).all()
            bookings = db.session.scalars(select(Booking.amount_cents)).all()
    finally:
        with app.app_context():
            db.engine.dispose()
    assert payments == ["paid"]
    assert bookings == [2500]


def test_a_mail_queued_by_one_is_sent_once_by_the_workers(two_servers: Portal) -> None:
    """A registration through nginx queues its confirmation mail; one of the two job workers
    sends it within seconds, and the other never sends it again."""
    base = two_servers.base
    citizen = two_servers.client("127.0.0.9")
    page = citizen.get(f"{base}/konto/registrieren", timeout=10)
    registered = citizen.post(
        f"{base}/konto/registrieren",
        data={
            "csrf_token": form_token(page),
            "email": "zwei-server@example.org",
            "password": "Heidestraße ist lang genug",
        },
        headers={"Referer": f"{base}/konto/registrieren"},
        allow_redirects=False,
        timeout=10,
    )
    assert registered.status_code == 302, registered.text[:300]

    def to_citizen() -> list[object]:
        return [m for m in two_servers.smtp.messages() if "zwei-server@" in str(m["To"])]

    deadline = time.monotonic() + 20
    while not to_citizen() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(to_citizen()) == 1
    time.sleep(3)  # the other worker, and the every-minute run, find nothing left to send
    assert len(to_citizen()) == 1
