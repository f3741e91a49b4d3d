"""A PostgreSQL connection that lay idle in the pool is tested before use and replaced if the
database dropped it; one given back a moment ago is used as it is, and if it died meanwhile its
statement fails once and the pool replaces it and its elders (``server.idle_ping``)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from server.db import make_engine
from tests.conftest import POSTGRES_ADMIN_URL, _unavailable


@pytest.fixture
def admin() -> Iterator[Engine]:
    engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect():
            pass
    except OperationalError as error:
        _unavailable(f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable: {error}")
    yield engine
    engine.dispose()


def _backend(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _drop(admin: Engine, pid: int) -> None:
    """What a database restart or a firewall does to a connection lying in the pool."""
    with admin.connect() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    time.sleep(0.1)  # the backend is gone, the client's socket not yet read


def test_a_connection_dropped_while_idle_is_replaced_before_anyone_sees_it(admin: Engine) -> None:
    engine = make_engine(POSTGRES_ADMIN_URL, pool_size=2, ping_after_idle_seconds=0.2)
    try:
        first = _backend(engine)
        _drop(admin, first)
        time.sleep(0.2)
        assert _backend(engine) not in (first, 0)
    finally:
        engine.dispose()


def test_with_zero_every_check_out_is_tested(admin: Engine) -> None:
    engine = make_engine(POSTGRES_ADMIN_URL, pool_size=2, ping_after_idle_seconds=0)
    try:
        first = _backend(engine)
        _drop(admin, first)
        assert _backend(engine) != first
    finally:
        engine.dispose()


def test_a_connection_given_back_a_moment_ago_is_not_tested(admin: Engine) -> None:
    """Nothing but the failed statement shows that no ping was sent: the connection that died
    within the idle time fails once, and the pool then makes new ones for all."""
    engine = make_engine(POSTGRES_ADMIN_URL, pool_size=2, ping_after_idle_seconds=3600)
    try:
        with engine.connect() as one, engine.connect() as other:
            pids = [
                int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
                for connection in (one, other)
            ]
        for pid in pids:
            _drop(admin, pid)
        with pytest.raises(OperationalError) as failed:
            _backend(engine)
        assert failed.value.connection_invalidated
        # The other dead connection is not tried: the pool dropped every connection it made
        # before the failure.
        assert _backend(engine) not in pids
        assert _backend(engine) not in pids
    finally:
        engine.dispose()
