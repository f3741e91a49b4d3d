"""Fixtures of the fault drills: private peers (tests/drills/processes.py) started once per
session, and the portal served by gunicorn on them. Each drill empties the tables it used."""

from __future__ import annotations

import secrets
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import create_engine, text

from server.extensions import db
from server.migrate import upgrade
from tests.conftest import IN_CI, empty_all_tables, make_test_app
from tests.drills.payments import Setup
from tests.drills.processes import (
    FaultProxy,
    MotoS3,
    PaymentPlatform,
    PortalProcess,
    PrivatePostgres,
    PrivateRedis,
    Unavailable,
    free_port,
)
from tests.factories import make_receivable

SECRET_KEY = "drill-" + "k" * 32


def _unavailable(error: Unavailable) -> NoReturn:
    if IN_CI:
        pytest.fail(f"{error} (CI never skips a drill)")
    pytest.skip(str(error))


@pytest.fixture(scope="session")
def postgres() -> Iterator[PrivatePostgres]:
    """A private cluster with the database ``portal`` migrated to head."""
    try:
        cluster = PrivatePostgres()
    except Unavailable as error:
        _unavailable(error)
    try:
        cluster.start()
        admin = create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text('CREATE DATABASE "portal"'))
        admin.dispose()
        upgrade(cluster.url("portal"))
        yield cluster
    finally:
        cluster.close()


@pytest.fixture
def database(postgres: PrivatePostgres) -> Iterator[str]:
    """The private database, running, with empty tables after the drill."""
    yield postgres.url("portal")
    if not postgres.running:
        postgres.start()
    empty_all_tables(postgres.url("portal"))


@pytest.fixture(scope="session")
def drill_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("drills")


@pytest.fixture(scope="session")
def redis_server(drill_folder: Path) -> Iterator[PrivateRedis]:
    try:
        server = PrivateRedis(drill_folder)
    except Unavailable as error:
        _unavailable(error)
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def redis_up(redis_server: PrivateRedis) -> Iterator[PrivateRedis]:
    """Redis running (again, if an earlier drill killed it), its counters empty."""
    if redis_server.process is None or redis_server.process.poll() is not None:
        redis_server.start()
    yield redis_server
    if redis_server.process is None or redis_server.process.poll() is not None:
        redis_server.start()
    import redis

    redis.Redis.from_url(redis_server.url).flushall()


@pytest.fixture(scope="session")
def object_store() -> Iterator[MotoS3]:
    try:
        store = MotoS3(f"drill-{uuid.uuid4().hex[:12]}")
    except Unavailable as error:
        _unavailable(error)
    store.start()
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def store_up(object_store: MotoS3) -> Iterator[MotoS3]:
    if object_store.process is None or object_store.process.poll() is not None:
        object_store.start()
    yield object_store
    if object_store.process is None or object_store.process.poll() is not None:
        object_store.start()


def production_settings(database: str, **more: str) -> dict[str, str]:
    """What a city sets (docs/operations.md, Deployment), minus TLS: the drills talk HTTP to
    gunicorn directly."""
    return {
        "PORTAL_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database,
        "PAYMENT_PROVIDER": "xbezahldienste",
        "MAIL_BACKEND": "file",
        "MAIL_FILE_DIR": tempfile.mkdtemp(prefix="drill-mail-"),
        "UPLOAD_DIR": tempfile.mkdtemp(prefix="drill-uploads-"),
        "LOG_FORMAT": "json",
        # Short waits for a connection: a drill measures seconds, not the default half minute.
        "DATABASE_POOL_TIMEOUT_SECONDS": "5",
        **more,
    }


Serve = Callable[[dict[str, str]], PortalProcess]


@pytest.fixture
def serve(drill_folder: Path) -> Iterator[Serve]:
    """Start ``portal serve`` with settings; every portal started is stopped after the drill."""
    started: list[PortalProcess] = []

    def start(settings: dict[str, str]) -> PortalProcess:
        portal = PortalProcess(settings, drill_folder / f"portal-{secrets.token_hex(4)}.log")
        started.append(portal)
        portal.start()
        return portal

    yield start
    for portal in started:
        portal.close()


@pytest.fixture
def setup(database: str, serve: Serve, drill_folder: Path) -> Iterator[Setup]:
    """The payment drills' world (tests/drills/payments.py), started for one drill."""
    yield from _payment_world(database, serve, drill_folder, notifications=True)


@pytest.fixture
def setup_without_notifications(database: str, serve: Serve, drill_folder: Path) -> Iterator[Setup]:
    """The payment drills' world whose platform's notifications never arrive (they go to a
    port nobody listens on): a drill that needs to know which request is booking has only
    the citizen's."""
    yield from _payment_world(database, serve, drill_folder, notifications=False)


@pytest.fixture
def setup_impatient(database: str, serve: Serve, drill_folder: Path) -> Iterator[Setup]:
    """The payment drills' world whose portal waits 3 s for the platform's answers
    (``XBEZAHLDIENSTE_TIMEOUT_SECONDS``): a slow platform within a drill's patience."""
    yield from _payment_world(
        database, serve, drill_folder, notifications=True, XBEZAHLDIENSTE_TIMEOUT_SECONDS="3"
    )


def _payment_world(
    database: str, serve: Serve, drill_folder: Path, *, notifications: bool, **settings: str
) -> Iterator[Setup]:
    platform = PaymentPlatform(database, drill_folder / "platform.log")
    proxy = FaultProxy(platform.url, drill_folder / "proxy.log")
    proxy.start()
    portal = serve(
        production_settings(
            database,
            **platform.portal_settings(proxy.url),
            PAYMENT_POLL_AFTER_MINUTES="0",
            **settings,
        )
    )
    notify_base = portal.url if notifications else f"http://127.0.0.1:{free_port()}"
    platform.start(proxy.url, f"{notify_base}/zahlungen/benachrichtigung/xbezahldienste")
    app = make_test_app(database)
    _, kassenzeichen, token = make_receivable(app, amount_cents=2500)
    with app.app_context():
        db.engine.dispose()
    try:
        yield Setup(portal, proxy, database, kassenzeichen, token)
    finally:
        proxy.close()
        platform.close()
