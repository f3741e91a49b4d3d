"""A 500 from a refused SQL statement logs the statement, never the values of the row: neither
SQLAlchemy's ``[parameters: …]`` nor PostgreSQL's ``DETAIL: Failing row contains (…)``."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from server.extensions import db
from server.payments.models import Receivable
from tests.conftest import make_test_app

DEBTOR = "Erika Mustermann"
DEBTOR_EMAIL = "erika.mustermann@example.org"


def _receivable(number: str, amount_cents: int, row: int) -> dict[str, object]:
    return {
        "kassenzeichen": number,
        "rf_reference": f"RF{row}",
        "access_token_hash": f"{row:064d}",
        "purpose": "test",
        "description": "Verwarnungsgeld",
        "debtor_name": DEBTOR,
        "amount_cents": amount_cents,
        "due_date": date(2026, 1, 31),
    }


class Collect(logging.Handler):
    def __init__(self, formatter: logging.Formatter | None) -> None:
        super().__init__()
        self.setFormatter(formatter)
        self.lines: list[str] = []
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))


@pytest.fixture
def failing_app(backend: str) -> Iterator[Flask]:
    """The portal as production runs it (its own 500 handler, JSON log), with two routes whose
    statements the database refuses: a check constraint and a unique key."""
    from tests.conftest import empty_all_tables

    app = make_test_app(backend, TESTING=False, LOG_FORMAT="json")

    def negative_amount() -> str:
        with db.transaction() as session:
            session.execute(insert(Receivable).values(**_receivable("K-1", -500, 1)))
        return "not reached"

    def duplicate() -> str:
        with db.transaction() as session:
            # PostgreSQL: "DETAIL: Key (kassenzeichen)=(erika…) already exists."
            session.execute(insert(Receivable).values(**_receivable(DEBTOR_EMAIL, 500, 2)))
            session.execute(insert(Receivable).values(**_receivable(DEBTOR_EMAIL, 500, 3)))
        return "not reached"

    app.add_url_rule("/test/negative-amount", view_func=negative_amount)
    app.add_url_rule("/test/duplicate", view_func=duplicate)
    yield app
    with app.app_context():
        db.engine.dispose()
    empty_all_tables(backend)


@pytest.fixture
def application_log(failing_app: Flask) -> Iterator[Collect]:
    portal_logger = logging.getLogger("portal")
    collect = Collect(portal_logger.handlers[0].formatter)
    portal_logger.addHandler(collect)
    try:
        yield collect
    finally:
        portal_logger.removeHandler(collect)


@pytest.mark.parametrize("path", ["/test/negative-amount", "/test/duplicate"])
def test_a_500_from_a_refused_statement_logs_no_values(
    failing_app: Flask, application_log: Collect, path: str
) -> None:
    response = failing_app.test_client().get(path)
    assert response.status_code == 500
    assert DEBTOR not in response.get_data(as_text=True)

    (record,) = [r for r in application_log.records if r.getMessage() == "unhandled error"]
    assert record.exc_info is not None
    error = record.exc_info[1]
    assert isinstance(error, IntegrityError)
    # The engine hides bound parameters in SQLAlchemy's own message.
    assert "[SQL parameters hidden due to hide_parameters=True]" in str(error)
    assert "[parameters:" not in str(error)

    (line,) = [line for line in application_log.lines if "unhandled error" in line]
    entry = json.loads(line)
    assert entry["level"] == "error"
    assert "IntegrityError" in entry["exception"]
    assert "INSERT INTO receivables" in entry["exception"]  # the statement stays, for the bug
    for value in (DEBTOR, DEBTOR_EMAIL, "Mustermann"):
        assert value not in line
