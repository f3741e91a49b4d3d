"""A reading statement asked on (nearly) every request, sent on the driver's cursor.

SQLAlchemy builds an execution context, a result and a row for every statement it runs: for a
one-row SELECT that was three quarters of its time (about 22 µs of 30 on SQLite), on every
request of a citizen with a session (its row) and again on the fine case page (issue 17).
A ``PreparedRead`` keeps SQLAlchemy for everything but that: the statement is compiled by
SQLAlchemy once per dialect, the connection comes from the engine (its pool, the idle ping, the
isolation level of ``db.single_reads``), the engine's ``before_cursor_execute`` and
``after_cursor_execute`` listeners see the statement as they would (the query budget and the
query plan tests count and explain it; a listener cannot rewrite it, as ``retval=True`` ones
may elsewhere), each value goes through its column type's result
processor (SQLite's dates, times and booleans), and when the driver fails, SQLAlchemy runs the
statement itself and raises its own error (``server.db.unreachable`` knows it), a lost
connection replaced by the pool as for any other statement.

Only for statements whose text is the same at every execution (no ``IN`` lists, nothing rendered
at execution time): they are refused when prepared.
"""

from __future__ import annotations

import contextlib
import threading
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Select
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Compiled:
    compiled: SQLCompiler
    text: str
    # The parameters' names in the order of the statement's placeholders (a positional
    # paramstyle such as SQLite's ``?``), None where the driver takes them by name.
    order: tuple[str, ...] | None
    bind_processors: Mapping[str, Callable[[Any], Any]]


class PreparedRead:
    """``first(engine, params)``: the statement's first row (a named tuple with the selected
    columns' names) or None."""

    def __init__(self, statement: Select[*tuple[Any, ...]]) -> None:
        self._statement = statement
        self._columns = tuple(statement.selected_columns)
        self._row: Any = namedtuple("Row", list(statement.selected_columns.keys()))  # type: ignore[misc]
        # By dialect and driver, and the placeholders the engine was made with.
        self._compiled: dict[tuple[str, str, str], _Compiled] = {}
        # The result processors depend on what the driver says a column is (its type code),
        # known once the statement has run.
        self._processors: dict[tuple[str, str, str], tuple[Processor, ...]] = {}
        self._lock = threading.Lock()

    def first(self, engine: Engine, params: Mapping[str, Any]) -> Any:
        with engine.connect() as connection:
            dialect = connection.dialect
            key = (dialect.name, dialect.driver, dialect.paramstyle)
            made = self._compiled.get(key) or self._compile(key, dialect)
            values = made.compiled.construct_params(params)
            for name, process in made.bind_processors.items():
                values[name] = process(values[name])
            sent: Sequence[Any] | Mapping[str, Any] = (
                values if made.order is None else tuple(values[name] for name in made.order)
            )
            try:
                row, description = self._fetch(connection, made.text, sent)
            except dialect.loaded_dbapi.Error:
                # Outside autocommit a failed statement leaves PostgreSQL's transaction aborted;
                # on a lost connection the rollback fails as well, and SQLAlchemy finds out.
                with contextlib.suppress(dialect.loaded_dbapi.Error):
                    connection.connection.rollback()
                # SQLAlchemy asks again and raises what it raises: its own error class, and for
                # a lost connection the pool's older connections dropped with it (they died
                # with the same database), which no public call of the pool does.
                found = connection.execute(self._statement, dict(params)).first()
                return None if found is None else self._row._make(found)
        if row is None:
            return None
        processors = self._processors.get(key)
        if processors is None:
            processors = self._result_processors(key, dialect, description)
        return self._row._make(
            value if process is None or value is None else process(value)
            for process, value in zip(processors, row, strict=True)
        )

    @staticmethod
    def _fetch(
        connection: Connection, text: str, sent: Sequence[Any] | Mapping[str, Any]
    ) -> tuple[Any, Any]:
        dispatch = connection.dispatch
        cursor = connection.connection.cursor()
        try:
            if dispatch.before_cursor_execute:
                dispatch.before_cursor_execute(connection, cursor, text, sent, None, False)
            cursor.execute(text, sent)
            row = cursor.fetchone()
            if dispatch.after_cursor_execute:
                dispatch.after_cursor_execute(connection, cursor, text, sent, None, False)
            return row, cursor.description
        finally:
            cursor.close()

    def _compile(self, key: tuple[str, str, str], dialect: Dialect) -> _Compiled:
        compiled = self._statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        if (
            compiled.literal_execute_params
            or compiled.post_compile_params
            or compiled.escaped_bind_names
        ):
            raise ValueError("a PreparedRead's text and parameter names must be fixed")
        bind_processors = {}
        for name, bind in compiled.binds.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                bind_processors[name] = process
        made = _Compiled(
            compiled,
            str(compiled),
            tuple(compiled.positiontup or ()) if compiled.positional else None,
            bind_processors,
        )
        with self._lock:
            self._compiled[key] = made
        return made

    def _result_processors(
        self, key: tuple[str, str, str], dialect: Dialect, description: Any
    ) -> tuple[Processor, ...]:
        processors = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, described[1])
            for column, described in zip(self._columns, description, strict=True)
        )
        with self._lock:
            self._processors[key] = processors
        return processors
