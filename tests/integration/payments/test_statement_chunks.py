"""A statement booked as it is read, a chunk of entries at a time (issue 17), on both databases:
still each entry once, a file that breaks off books nothing, a statement imported before is
recognised without reading its entries. The chunk is made two entries long here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask

from server.extensions import db
from server.payments import statement_import
from server.payments.models import Booking, Clarification, Receivable, StatementImport
from server.payments.receivables import balance, create_receivable
from server.payments.statement_import import ForeignStatement, import_statement_file
from server.payments.statements.camt053_writer import write_camt053
from server.payments.statements.model import Entry, Statement, StatementError, TransactionDetail

CITY_IBAN = "DE02120300000000202051"
DAY = date(2026, 11, 24)


@pytest.fixture
def ctx(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    monkeypatch.setattr(statement_import, "_CHUNK", 2)
    with app.app_context():
        yield app


def receivable(cents: int, debtor: str = "Erika Mustermann") -> Receivable:
    return create_receivable(
        purpose="test", amount_cents=cents, description="Gebühr", debtor_name=debtor, due_date=DAY
    ).receivable


def paid(ref: str, cents: int, *, rf: str | None = None, text: str = "", name: str = "") -> Entry:
    return Entry(
        entry_ref=ref,
        amount_cents=cents,
        credit=True,
        booking_date=DAY,
        details=(
            TransactionDetail(
                amount_cents=cents,
                creditor_reference=rf,
                remittance_text=text,
                debtor_name=name or "Erika Mustermann",
            ),
        ),
    )


def camt(*statements: tuple[str, tuple[Entry, ...]], iban: str = CITY_IBAN) -> bytes:
    return write_camt053(
        [
            Statement(
                statement_id=statement_id,
                account_iban=CITY_IBAN if index == 0 else iban,
                from_date=DAY,
                to_date=DAY,
                opening_balance_cents=0,
                closing_balance_cents=sum(entry.amount_cents for entry in entries),
                entries=entries,
            )
            for index, (statement_id, entries) in enumerate(statements)
        ]
    )


def counts() -> tuple[int, int, int]:
    return (
        db.session.query(Booking).count(),
        db.session.query(Clarification).count(),
        db.session.query(StatementImport).count(),
    )


def test_a_statement_of_several_chunks_books_each_entry_once(ctx: Flask) -> None:
    first, second, twice = receivable(1000), receivable(2000), receivable(3000)
    nobody = receivable(4711, debtor="Jonas Beispiel")
    entries = (
        paid("E1", 1000, rf=first.rf_reference),
        paid("E2", 3000, rf=twice.rf_reference),
        paid("E3", 2000, text=f"KZ {second.kassenzeichen}"),
        # The same receivable paid again, in the next chunk: the balance of the chunk before
        # counts.
        paid("E4", 3000, text=f"nochmal {twice.kassenzeichen}"),
        paid("E5", 4711, text="Rechnung", name="JONAS BEISPIEL"),
    )
    result = import_statement_file(camt(("S1", entries)))
    assert (result.entries, result.booked, result.clarifications) == (5, 4, 2)
    assert [balance(found).open_cents for found in (first, second, twice, nobody)] == [
        0,
        0,
        -3000,
        4711,
    ]
    reasons = {c.reason: c for c in db.session.query(Clarification)}
    assert set(reasons) == {"duplicate_payment", "unknown_reference"}
    assert reasons["unknown_reference"].suggested_receivable_id == nobody.id
    [imported] = db.session.query(StatementImport).all()
    assert (imported.entries, imported.booked, imported.clarifications) == (5, 4, 2)
    again = import_statement_file(camt(("S1", entries)))
    assert (again.already_imported, again.booked, again.entries) == (1, 0, 0)
    # The same entries in another statement of the file: booked before, so not again.
    overlapping = import_statement_file(camt(("S1-KORR", entries)))
    assert (overlapping.statements, overlapping.booked, overlapping.clarifications) == (1, 0, 0)
    assert counts() == (4, 2, 2)


def test_a_file_that_breaks_off_after_its_first_chunks_books_nothing(ctx: Flask) -> None:
    target = receivable(1000)
    entries = tuple(paid(f"E{index}", 1000 + index, rf=target.rf_reference) for index in range(5))
    data = camt(("S1", entries))
    broken = data.replace(b">10.04</Amt>", b">10.041</Amt>")
    assert broken != data
    with pytest.raises(StatementError, match="more than two decimals"):
        import_statement_file(broken)
    assert counts() == (0, 0, 0)
    assert balance(target).paid_cents == 0
    # Nor a file whose second statement is another account's.
    with pytest.raises(ForeignStatement):
        import_statement_file(camt(("S1", entries), ("S2", entries), iban="DE89370400440532013000"))
    assert counts() == (0, 0, 0)
    assert import_statement_file(data).booked == 5


def test_a_statement_imported_before_is_known_without_reading_its_entries(ctx: Flask) -> None:
    target = receivable(1000)
    entries = (paid("E1", 1000, rf=target.rf_reference), paid("E2", 55, text="Spende"))
    data = camt(("S1", entries))
    import_statement_file(data)
    # The entries are passed over unread: an entry broken since is not even noticed, and a new
    # statement in the same file is booked.
    later = (paid("E3", 77, text="Spende"),)
    again = import_statement_file(
        camt(("S1", entries), ("S2", later)).replace(b">0.55</Amt>", b">0.551</Amt>")
    )
    assert (again.already_imported, again.statements, again.clarifications) == (1, 1, 1)
    assert counts() == (1, 2, 2)
