"""Statements handed on as they are read (issue 17): a camt.053 file of 100,000 entries is never
held as a whole, and the entries of a statement nobody asks for are not read."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from server.payments.statements import (
    Entry,
    Statement,
    StatementError,
    TransactionDetail,
    parse_statement_file,
    stream_statement_file,
    write_camt053,
)
from tests.unit.payments.statements.conftest import fixture_bytes

DAY = date(2026, 11, 24)


def statement(statement_id: str, count: int, cents: int = 100) -> Statement:
    """``count`` entries of ``cents``, ``cents + 1``...: each amount once in a test's file."""
    entries = tuple(
        Entry(
            entry_ref=f"{statement_id}-{index}",
            amount_cents=cents + index,
            credit=True,
            booking_date=DAY,
            details=(TransactionDetail(amount_cents=cents + index, remittance_text="Gebühr"),),
        )
        for index in range(count)
    )
    return Statement(
        statement_id=statement_id,
        account_iban="DE02120300000000202051",
        from_date=DAY,
        to_date=DAY,
        opening_balance_cents=0,
        closing_balance_cents=sum(entry.amount_cents for entry in entries),
        entries=entries,
    )


def broken_at(data: bytes, amount: str) -> bytes:
    """The file with the entry amount ``amount`` given a third decimal."""
    broken = data.replace(f">{amount}</Amt>".encode(), f">{amount}1</Amt>".encode())
    assert broken != data
    return broken


@pytest.mark.parametrize(
    "name",
    [
        "sparkasse_camt053_001_02.xml",
        "sparkasse_camt053_001_08.xml",
        "sparkasse_mt940.sta",
        "volksbank_mt940_cp850.sta",
    ],
)
def test_the_stream_holds_what_the_parser_reads(name: str) -> None:
    data = fixture_bytes(name)
    streamed = [(head, list(entries)) for head, entries in stream_statement_file(data)]
    parsed = parse_statement_file(data)
    assert [head for head, _ in streamed] == [
        dataclasses.replace(statement, entries=()) for statement in parsed
    ]
    assert [tuple(entries) for _, entries in streamed] == [s.entries for s in parsed]


def test_entries_come_as_they_are_read() -> None:
    # The second statement's last entry is broken: everything before it has been handed on by
    # the time the reader gets there.
    data = broken_at(write_camt053([statement("A", 3), statement("B", 3, 200)]), "2.02")
    seen: list[str] = []

    def read_all() -> None:
        for head, entries in stream_statement_file(data):
            seen.append(head.statement_id)
            seen.extend(entry.entry_ref for entry in entries)

    with pytest.raises(StatementError, match="more than two decimals"):
        read_all()
    assert seen == ["A", "A-0", "A-1", "A-2", "B", "B-0", "B-1"]


def test_entries_nobody_asks_for_are_not_read() -> None:
    # The first statement's broken entry is passed over unread; the XML is still checked.
    data = broken_at(write_camt053([statement("A", 3), statement("B", 2, 200)]), "1.01")
    heads = [head.statement_id for head, _entries in stream_statement_file(data)]
    assert heads == ["A", "B"]
    with pytest.raises(StatementError, match="not well-formed XML"):
        list(stream_statement_file(data[:-200]))


def test_entries_left_halfway_are_passed_over() -> None:
    data = write_camt053([statement("A", 4), statement("B", 2, 200)])
    read: dict[str, list[str]] = {}
    for head, entries in stream_statement_file(data):
        read[head.statement_id] = [next(entries).entry_ref]
    assert read == {"A": ["A-0"], "B": ["B-0"]}


def test_a_statement_without_entries_has_its_head() -> None:
    data = write_camt053([statement("EMPTY", 0), statement("B", 1, 200)])
    streamed = [
        (head.statement_id, len(list(entries))) for head, entries in stream_statement_file(data)
    ]
    assert streamed == [("EMPTY", 0), ("B", 1)]
