"""``db.one_of``, the bulk reads' ``IN`` (issue 17): ``= ANY(:array)`` on PostgreSQL, ``IN (...)``
on SQLite; the same rows either way, for numbers and for text."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from server.db import one_of
from server.extensions import db
from server.payments.models import Receivable
from tests.factories import make_receivable


def test_one_of_reads_exactly_the_rows_named(app: Flask) -> None:
    made = [make_receivable(app, amount_cents=1000 + n) for n in range(4)]
    with app.app_context():
        session = db.session
        ids = [made[0][0], made[2][0], 999_999]
        found = session.scalars(
            select(Receivable.id).where(one_of(session, Receivable.id, ids))
        ).all()
        assert sorted(found) == sorted([made[0][0], made[2][0]])
        numbers = [made[1][1], made[3][1], "000000000000"]
        by_number = session.scalars(
            select(Receivable.kassenzeichen).where(
                one_of(session, Receivable.kassenzeichen, numbers)
            )
        ).all()
        assert sorted(by_number) == sorted([made[1][1], made[3][1]])
        amounts = session.scalars(
            select(Receivable.amount_cents).where(
                one_of(session, Receivable.amount_cents, [1001, 1003]),
                one_of(session, Receivable.id, [made[1][0], made[2][0]]),
            )
        ).all()
        assert amounts == [1001]
