"""``bulk.insert_rows``, how the statement import writes its bookings and Klärungsfälle
(issue 17), on both databases: a row is stored exactly as the ORM stores it, a value the column
refuses is refused (never cut to fit), and a column the ORM would fill in is never left out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Table, select, text
from sqlalchemy.exc import DBAPIError

from server.extensions import db
from server.payments.bulk import insert_rows
from server.payments.models import Clarification

COLUMNS = (
    "reason",
    "state",
    "source_ref",
    "receivable_id",
    "amount_cents",
    "credit",
    "booking_date",
    "debtor_name",
    "debtor_iban",
    "remittance",
    "return_reason",
    "created_at",
)
TABLE: Table = Clarification.__table__  # type: ignore[assignment]


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app


def values(source_ref: str, **changed: Any) -> dict[str, Any]:
    return {
        "reason": "unknown_reference",
        "state": "open",
        "source_ref": source_ref,
        "receivable_id": None,
        "amount_cents": 12345,
        "credit": False,
        "booking_date": date(2026, 11, 24),
        "debtor_name": "Jörg Müller \u2013 \U0001f600",
        "debtor_iban": None,
        "remittance": "Rechnung 4711\nzweite Zeile",
        "return_reason": None,
        "created_at": datetime(2026, 11, 24, 22, 59, 58, 123456, tzinfo=UTC),
        **changed,
    }


def stored(source_ref: str) -> tuple[Any, ...]:
    """The row as the database holds it, read without SQLAlchemy's types (SQLite: its text)."""
    names = ", ".join(COLUMNS)
    row = db.session.execute(
        text(f"SELECT {names} FROM clarifications WHERE source_ref = :ref"),  # noqa: S608
        {"ref": source_ref},
    ).one()
    return tuple(value for name, value in zip(COLUMNS, row, strict=True) if name != "source_ref")


def test_rows_are_stored_as_the_orm_stores_them(ctx: Flask) -> None:
    with db.transaction() as session:
        session.add(Clarification(**values("orm")))
        session.flush()
        insert_rows(
            session,
            TABLE,
            COLUMNS,
            [tuple(values(ref).values()) for ref in ("bulk-1", "bulk-2")],
        )
    assert stored("bulk-1") == stored("orm") == stored("bulk-2")
    read = db.session.scalars(select(Clarification).order_by(Clarification.id)).all()
    assert [clarification.source_ref for clarification in read] == ["orm", "bulk-1", "bulk-2"]
    assert read[1].created_at.replace(tzinfo=UTC) == values("")["created_at"]
    assert read[1].debtor_name == values("")["debtor_name"]


def test_a_unique_value_twice_fails_the_insert(ctx: Flask) -> None:
    with pytest.raises(DBAPIError), db.transaction() as session:
        insert_rows(session, TABLE, COLUMNS, [tuple(values("twice").values())] * 2)
    assert db.session.scalar(select(Clarification.id)) is None


def test_a_value_too_long_for_its_column_is_refused_not_cut(ctx: Flask) -> None:
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite keeps text of any length")
    too_long = values("long", debtor_iban="DE" + "1" * 40)
    with pytest.raises(DBAPIError), db.transaction() as session:
        insert_rows(session, TABLE, COLUMNS, [tuple(too_long.values())])


def test_a_column_with_a_default_must_be_given(ctx: Flask) -> None:
    without_created_at = COLUMNS[:-1]
    row = tuple(values("x").values())[:-1]
    with pytest.raises(ValueError, match="created_at"), db.transaction() as session:
        insert_rows(session, TABLE, without_created_at, [row])


@pytest.fixture
def through_another_driver(ctx: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL through a driver other than psycopg: ``insert_rows`` takes its ``unnest``
    path (psycopg runs the same SQL, so the path is tested without a second driver)."""
    dialect = db.session.get_bind().dialect
    if dialect.name != "postgresql":
        pytest.skip("the unnest path is PostgreSQL's")
    monkeypatch.setattr(dialect, "driver", "another")


@pytest.mark.usefixtures("through_another_driver")
def test_through_another_driver_rows_are_stored_as_the_orm_stores_them() -> None:
    with db.transaction() as session:
        session.add(Clarification(**values("orm")))
        session.flush()
        insert_rows(
            session, TABLE, COLUMNS, [tuple(values(ref).values()) for ref in ("un-1", "un-2")]
        )
    assert stored("un-1") == stored("orm") == stored("un-2")
    read = db.session.scalars(select(Clarification).order_by(Clarification.id)).all()
    assert [clarification.source_ref for clarification in read] == ["orm", "un-1", "un-2"]


@pytest.mark.usefixtures("through_another_driver")
def test_through_another_driver_a_value_too_long_is_refused_not_cut() -> None:
    too_long = values("long", debtor_iban="DE" + "1" * 40)
    with pytest.raises(DBAPIError), db.transaction() as session:
        insert_rows(session, TABLE, COLUMNS, [tuple(too_long.values())])
    assert db.session.scalar(select(Clarification.id)) is None
