"""Bulk reads of the statement import and the journal's batch (issue 17): tens of thousands of
values and rows at a time, where the usual ways of asking cost more than the query.

``any_of`` is ``db.one_of`` (``column IN values``) with the values sent as one parameter on both
databases: PostgreSQL gets ``= ANY(:array)``, SQLite ``IN (SELECT value FROM json_each(:json))``
instead of thousands of ``?`` that SQLAlchemy writes out for every query anew. ``rows_of`` runs a
read on the session's connection and hands back its plain rows, without the ORM's handling of
each row.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypeVarTuple, cast

from sqlalchemy import ColumnElement, Row, bindparam, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import TypedReturnsRows

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
