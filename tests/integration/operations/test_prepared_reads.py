"""A read sent on the driver's cursor (``server.prepared_reads``) gives what SQLAlchemy gives for
the same statement, on both databases: the same values of the same types under the same names,
seen by the engine's listeners, and SQLAlchemy's errors, a lost connection replaced by the pool."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    event,
    exists,
    func,
    select,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from server.db import make_engine, unreachable
from server.prepared_reads import PreparedRead

_NOTHING = dict.fromkeys(("at", "on", "flag", "cents", "note"))


@pytest.fixture
def probe(backend: str) -> Iterator[tuple[Engine, Table]]:
    """A table of its own (dropped again) with the column types the portal's hot reads have."""
    engine = make_engine(backend, ping_after_idle_seconds=3600)
    table = Table(
        f"prepared_read_probe_{uuid.uuid4().hex[:8]}",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("name", String(40), nullable=False),
        Column("at", DateTime, nullable=True),
        Column("on", Date, nullable=True),
        Column("flag", Boolean, nullable=True),
        Column("cents", Integer, nullable=True),
        Column("note", Text, nullable=True),
    )
    table.create(engine)
    with engine.begin() as connection:
        connection.execute(
            table.insert(),
            [
                {
                    "id": 1,
                    "name": "full",
                    "at": datetime(2026, 12, 7, 13, 5, 9, 123456),
                    "on": date(2026, 12, 21),
                    "flag": True,
                    "cents": 2500,
                    "note": 'Ä "quoted", with a comma',
                },
                {"id": 2, "name": "empty", **_NOTHING},
                {"id": 3, "name": "full-twin", **_NOTHING, "flag": False, "cents": 500},
            ],
        )
    try:
        yield engine, table
    finally:
        table.drop(engine)
        engine.dispose()


def _statement(table: Table) -> Any:
    twin = table.alias("twin")
    sums = (
        select(func.coalesce(func.sum(twin.c.cents), 0))
        .where(twin.c.name.startswith(table.c.name))
        .scalar_subquery()
    )
    has_false = exists().where(twin.c.flag.is_(False), twin.c.id != table.c.id)
    return select(
        table.c.id,
        table.c.name.label("shown_name"),
        table.c.at,
        table.c.on,
        table.c.flag,
        table.c.cents,
        table.c.note,
        sums.label("total"),
        has_false.label("others_false"),
    ).where(table.c.name == bindparam("name"))


@pytest.mark.parametrize("name", ["full", "empty", "full-twin"])
def test_a_row_reads_as_sqlalchemy_reads_it(probe: tuple[Engine, Table], name: str) -> None:
    engine, table = probe
    statement = _statement(table)
    with engine.connect() as connection:
        expected = connection.execute(statement, {"name": name}).one()
    read = PreparedRead(statement)
    for _ in range(2):  # the first read learns the result processors, the second uses them
        row = read.first(engine, {"name": name})
        assert tuple(row) == tuple(expected)
        assert [type(value) for value in row] == [type(value) for value in expected]
        assert row._fields == tuple(expected._fields)
    assert row.shown_name == name
    if name == "full":
        assert row.at == datetime(2026, 12, 7, 13, 5, 9, 123456)
        assert row.on == date(2026, 12, 21)
        assert row.flag is True
        assert row.total == 3000


def test_no_row_is_none(probe: tuple[Engine, Table]) -> None:
    engine, table = probe
    assert PreparedRead(_statement(table)).first(engine, {"name": "nobody"}) is None


def test_the_engines_listeners_see_the_statement(probe: tuple[Engine, Table]) -> None:
    engine, table = probe
    seen: list[tuple[str, str, Any]] = []

    def before(_connection: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append(("before", statement, parameters))

    def after(_connection: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append(("after", statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        PreparedRead(_statement(table)).first(engine, {"name": "full"})
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    assert [when for when, _, _ in seen] == ["before", "after"]
    statement, parameters = seen[0][1], seen[0][2]
    assert statement.lstrip().startswith("SELECT")
    assert table.name in statement
    values = parameters.values() if isinstance(parameters, dict) else parameters
    assert "full" in list(values)


def test_a_statement_whose_text_changes_per_execution_is_refused(
    probe: tuple[Engine, Table],
) -> None:
    engine, table = probe
    listed = select(table.c.id).where(table.c.name.in_(bindparam("names", expanding=True)))
    with pytest.raises(ValueError, match="fixed"):
        PreparedRead(listed).first(engine, {"names": ["full"]})


@pytest.mark.parametrize("autocommit", [False, True], ids=["in-transaction", "autocommit"])
def test_an_error_of_the_driver_is_the_one_sqlalchemy_raises(
    probe: tuple[Engine, Table], autocommit: bool
) -> None:
    """Autocommit as ``db.single_reads`` on PostgreSQL; without, a failed statement aborts the
    transaction, and what SQLAlchemy raises must still be about the statement."""
    engine, table = probe
    engine = engine.execution_options(isolation_level="AUTOCOMMIT") if autocommit else engine
    statement = _statement(table)
    read = PreparedRead(statement)
    read.first(engine, {"name": "full"})
    table.drop(engine)
    try:
        with pytest.raises(DBAPIError) as failed:
            read.first(engine, {"name": "secret-value"})
        with engine.connect() as connection, pytest.raises(DBAPIError) as expected:
            connection.execute(statement, {"name": "secret-value"})
        assert type(failed.value) is type(expected.value)
        assert type(failed.value.orig) is type(expected.value.orig)
        assert unreachable(failed.value) == unreachable(expected.value)
        assert not failed.value.connection_invalidated
        assert "secret-value" not in str(failed.value)  # parameters are never logged
    finally:
        table.create(engine)


def test_lost_connections_are_unreachable_once_and_then_replaced(
    probe: tuple[Engine, Table], backend: str
) -> None:
    """A database restart kills every connection in the pool: the first read fails as
    unreachable (the citizen gets the "try again shortly" page), and the pool drops the other
    dead connection with it, so the next read works."""
    if not backend.startswith("postgresql"):
        pytest.skip("a SQLite database is a file: no connection to lose")
    engine, table = probe
    read = PreparedRead(_statement(table))
    with engine.connect() as one, engine.connect() as other:
        pids = [
            connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
            for connection in (one, other)
        ]
    admin = make_engine(backend)
    try:
        with admin.connect() as connection:
            for pid in pids:
                connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        admin.dispose()
    time.sleep(0.1)  # the backends are gone, the client's sockets not yet read
    with pytest.raises(OperationalError) as failed:
        read.first(engine, {"name": "full"})
    assert failed.value.connection_invalidated
    assert unreachable(failed.value)
    assert read.first(engine, {"name": "full"}).shown_name == "full"
