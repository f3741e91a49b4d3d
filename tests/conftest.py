"""Fixtures shared by every test: a migrated database per backend, the app, a checking client.

Unit and integration tests run once per database backend (``--databases``, default SQLite and
PostgreSQL). Without a reachable PostgreSQL the PostgreSQL runs are skipped on a developer's
machine and fail in CI (``CI=true``): CI must never pass by skipping.
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, delete, text
from sqlalchemy.engine import make_url
from werkzeug.serving import BaseWSGIServer, make_server

from server import create_app
from server.db import import_all_models
from server.extensions import db
from server.migrate import upgrade
from tests.checking_client import CheckingClient
from tests.setup_shortcuts import (
    cheap_password_hashes,
    templates_compiled_once,
    url_rules_compiled_once,
)

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--databases",
        default=os.environ.get("TEST_DATABASES", "sqlite,postgresql"),
        help="comma-separated database backends to run the tests on",
    )
    parser.addoption(
        "--browser-databases",
        default=os.environ.get("TEST_BROWSER_DATABASES", "postgresql"),
        help="of those, the ones the browser tests run on (else the first of --databases)",
    )


def _names(option: str) -> list[str]:
    return [name.strip() for name in option.split(",") if name.strip()]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        backends = _names(metafunc.config.getoption("databases"))
        if metafunc.module.__name__.startswith("tests.browser."):
            # A browser test checks what a person sees; what the database does is checked on
            # every backend below it. So once, on production's database where it is chosen.
            browser = _names(metafunc.config.getoption("browser_databases"))
            backends = [name for name in backends if name in browser] or backends[:1]
        # A module that drives a peer end to end on production's database only names it
        # (``ONLY_ON = ("postgresql",)``) with the reason; its storage is tested on both below.
        only_on = getattr(metafunc.module, "ONLY_ON", None)
        if only_on:
            backends = [name for name in backends if name in only_on] or backends[:1]
        metafunc.parametrize("backend", backends, indirect=True, scope="session")


@pytest.fixture(scope="session", autouse=True)
def setup_shortcuts() -> Iterator[None]:
    """Cheap password hashes, URL rules and templates compiled once
    (``tests/setup_shortcuts.py``)."""
    with cheap_password_hashes(), url_rules_compiled_once(), templates_compiled_once():
        yield


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI never skips for a missing tool)")
    pytest.skip(reason)


def _postgres_database(name: str) -> Iterator[str]:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        admin.dispose()
        _unavailable(f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable: {error}")
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database of the requested backend, migrated to head; yields its URL."""
    name = request.param
    if name == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.db'}"
        upgrade(url)
        yield url
    elif name == "postgresql":
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        for url in _postgres_database(f"portal_test_{worker}_{uuid.uuid4().hex[:8]}"):
            upgrade(url)
            yield url
    else:
        raise pytest.UsageError(f"unknown database backend {name!r}")


@pytest.fixture(scope="session", autouse=True)
def instance_outside_the_checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Apps and the `portal` processes the tests start write their instance folder (demo
    letters, mails, dev-eid state) into a temporary folder, never into the checkout's."""
    folder = tmp_path_factory.mktemp("instance")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INSTANCE_DIR", str(folder))
        yield folder


def make_test_app(database_url: str, **overrides: object) -> Flask:
    config: dict[str, object] = {
        "PORTAL_ENV": "testing",
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": database_url,
        "PORTAL_BASE_URL": "http://localhost",
        "RATELIMIT_STORAGE_URI": "memory://",
        "LOG_FORMAT": "text",
        "UPLOAD_DIR": tempfile.mkdtemp(prefix="portal-uploads-"),
        "MAIL_FILE_DIR": tempfile.mkdtemp(prefix="portal-mail-"),
        "DEV_EID_DIR": tempfile.mkdtemp(prefix="portal-dev-eid-"),
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = CheckingClient
    _databases_of_apps_made.add(database_url)
    return app


# The databases of the apps made since the running test began (``_empty_after_apps_made_in_the
# test``).
_databases_of_apps_made: set[str] = set()


def empty_all_tables(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        for table in reversed(import_all_models().sorted_tables):
            connection.execute(delete(table))
    engine.dispose()


@pytest.fixture(autouse=True)
def _empty_after_apps_made_in_the_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that makes an app of its own on its backend's database (``make_test_app`` with
    settings of its own) leaves its rows to the next test of its worker, which may count them:
    emptied after it, as the ``app`` and ``live_server`` fixtures do for theirs. A database of
    a module's own (a module fixture's servers) keeps its rows for the module."""
    _databases_of_apps_made.clear()
    yield
    made = set(_databases_of_apps_made)
    _databases_of_apps_made.clear()
    backend = request.node.funcargs.get("backend") if hasattr(request.node, "funcargs") else None
    if backend in made and not {"app", "live_server"} & set(request.fixturenames):
        empty_all_tables(backend)


@pytest.fixture
def app(backend: str) -> Iterator[Flask]:
    """The portal on a clean database. No app context stays pushed: the test client must give
    every request its own context (and ``g``), as a real server does."""
    app = make_test_app(backend)
    yield app
    with app.app_context():
        db.engine.dispose()
    empty_all_tables(backend)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    """The portal served by Werkzeug in a thread: what the sandbox platform and the browser
    talk to over real HTTP."""

    app: Flask
    url: str
    server: BaseWSGIServer
    thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        if self.thread is not None:
            self.thread.join(timeout=5)


@contextmanager
def serving(backend: str, port: int | None = None, **overrides: object) -> Iterator[LiveServer]:
    """The portal on a free port, configured with ``overrides``; tables emptied afterwards."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    app = make_test_app(backend, PORTAL_BASE_URL=url, **overrides)
    server = make_server("127.0.0.1", port, app, threaded=True)
    live = LiveServer(app=app, url=url, server=server)
    live.start()
    try:
        yield live
    finally:
        live.stop()
        with app.app_context():
            db.engine.dispose()
        empty_all_tables(backend)


@pytest.fixture
def live_server(backend: str) -> Iterator[LiveServer]:
    with serving(backend) as live:
        yield live


@pytest.fixture
def client(app: Flask) -> CheckingClient:
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


# The eID tests' peer: a real OpenID Provider (npm oidc-provider) behind a tamper proxy.
from tests.peers.oidc.fixtures import oidc_peer_process, oidc_provider  # noqa: E402, F401

# The EUDI wallet tests' peer: Credo as development PID issuer and as the citizen's wallet.
from tests.peers.wallet.fixtures import wallet_peer, wallet_peer_process  # noqa: E402, F401
