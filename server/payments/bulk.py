"""Bulk reads of the statement import and the journal's batch (issue 17): tens of thousands of
values and rows at a time, where the usual ways of asking cost more than the query.

``any_of`` is ``db.one_of`` (``column IN values``) with the values sent as one parameter on both
databases: PostgreSQL gets ``= ANY(:array)``, SQLite ``IN (SELECT value FROM json_each(:json))``
instead of thousands of ``?`` that SQLAlchemy writes out for every query anew. ``rows_of`` runs a
read on the session's connection and hands back its plain rows, without the ORM's handling of
each row. ``insert_rows`` writes many rows as tuples: on PostgreSQL (psycopg) by ``COPY ... FROM
STDIN``, through another driver one ``INSERT ... SELECT FROM unnest(:arrays)`` with one array per
column, on SQLite the driver's ``executemany``; either way without SQLAlchemy working out the
parameters of every row (issue 17: a third of the booking).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypeVarTuple, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Dialect,
    Row,
    String,
    Table,
    bindparam,
    func,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import TypedReturnsRows
from sqlalchemy.types import TypeEngine

from server.db import one_of

_Row = TypeVarTuple("_Row")


def any_of(session: Session, column: Any, values: Sequence[int | str]) -> ColumnElement[bool]:
    """``column IN (values)`` for values that are all integers or all strings."""
    if session.get_bind().dialect.name != "sqlite":
        return one_of(session, column, values)
    # json_each hands back integers and text as such, so the column's index is used.
    each = func.json_each(bindparam(None, json.dumps(list(values)))).table_valued("value")
    return cast("ColumnElement[bool]", column.in_(select(each.c.value)))


def rows_of(session: Session, statement: TypedReturnsRows[*_Row]) -> Sequence[Row[*_Row]]:
    """A bulk read's rows, on the session's connection and in its transaction. Nothing pending
    in the session is flushed first: read only what was written with SQL."""
    return session.connection().execute(statement).all()


def insert_rows(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (tuples of the ``columns``' values, in that order) into ``table`` on the
    session's connection, in its transaction; what the database refuses (a unique constraint)
    fails the statement as a plain insert would."""
    # Neither path fills in the columns' Python defaults, as inserting through the ORM would.
    defaulted = {column.name for column in table.c if column.default is not None}
    if missing := defaulted - set(columns):
        raise ValueError(f"insert_rows into {table.name} needs the values of {sorted(missing)}")
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    types = [table.c[name].type for name in columns]
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        _copy_rows(connection, table, columns, _bound(rows, types, dialect, range(len(columns))))
        return
    if dialect.name == "postgresql":
        # Strings as unbounded arrays: a cast to varchar(n)[] would cut a value that is too long
        # instead of refusing it as the column does.
        arrays = [
            bindparam(
                None,
                value=list(values),
                type_=ARRAY(String() if isinstance(type_, String) else type_),
            )
            for values, type_ in zip(zip(*rows, strict=True), types, strict=True)
        ]
        source = (
            func.unnest(*arrays)
            .table_valued(*columns, with_ordinality="row_number")
            .render_derived()
        )
        connection.execute(
            insert(table).from_select(
                list(columns),
                select(*(source.c[name] for name in columns)).order_by(source.c.row_number),
            )
        )
        return
    if dialect.paramstyle != "qmark":
        connection.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    # SQLAlchemy's own INSERT of these columns: its placeholders follow the table's columns.
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    order = [columns.index(name) for name in compiled.positiontup or ()]
    connection.exec_driver_sql(compiled.string, list(_bound(rows, types, dialect, order)))


def _bound(
    rows: Sequence[tuple[Any, ...]],
    types: Sequence[TypeEngine[Any]],
    dialect: Dialect,
    order: Sequence[int],
) -> Sequence[tuple[Any, ...]]:
    """The rows' values as SQLAlchemy binds them (the dialect's own type: SQLite's DATETIME
    writes its text format, Boolean checks its value), in the ``order`` of the columns."""
    processors = [
        (position, processor)
        for position, index in enumerate(order)
        if (processor := types[index].dialect_impl(dialect).bind_processor(dialect)) is not None
    ]
    if not processors and list(order) == list(range(len(types))):
        return rows
    # A value repeated down a column (one booking time for all rows) is converted once.
    last: dict[int, tuple[Any, Any]] = {}
    ordered = []
    for row in rows:
        values = [row[index] for index in order]
        for position, processor in processors:
            value = values[position]
            before = last.get(position)
            if before is None or before[0] is not value:
                before = last[position] = (value, processor(value))
            values[position] = before[1]
        ordered.append(tuple(values))
    return ordered


def _copy_rows(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
) -> None:
    """PostgreSQL's COPY of the rows, through psycopg: the rows go out as they are formatted
    (in psycopg's C code), and the server reads them without planning a statement or unnesting
    arrays (issue 17: the arrays' formatting alone was a second of the import). COPY checks
    what an INSERT checks (constraints, foreign keys, the columns' lengths) and numbers the
    rows in their order; what it refuses is raised as SQLAlchemy's error, as an insert's."""
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    sql = (
        f"COPY {dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(quote(name) for name in columns)}) FROM STDIN"
    )
    # psycopg's own connection: COPY is not part of the DB-API that SQLAlchemy wraps.
    driver: Any = connection.connection.driver_connection
    try:
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            write = copy.write_row
            for row in rows:
                write(row)
    except dialect.loaded_dbapi.Error as error:
        raise DBAPIError.instance(
            sql, None, error, dialect.loaded_dbapi.Error, dialect=dialect
        ) from error
