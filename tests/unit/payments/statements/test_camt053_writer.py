"""Writing camt.053: schema-valid for .001.02 and .001.08, and read back unchanged."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from lxml import etree

from server.payments.statements import (
    Entry,
    Statement,
    TransactionDetail,
    parse_camt053,
    write_camt053,
)
from server.payments.statements.camt053_writer import USTRD_MAX
from tests.unit.payments.statements.conftest import Schemas

CITY = "DE15370501980001234567"
CREATED = datetime(2024, 3, 5, 18, 30, tzinfo=UTC)
VERSIONS = ["001.02", "001.08"]


def _statement() -> Statement:
    transfer = Entry(
        entry_ref="2024030500123456",
        amount_cents=3500,
        credit=True,
        booking_date=date(2024, 3, 5),
        value_date=date(2024, 3, 5),
        bank_transaction_code="PMNT-RCDT-ESCT",
        details=(
            TransactionDetail(
                amount_cents=3500,
                creditor_reference="RF18539007547034",
                debtor_name="Jürgen Weiß",
                debtor_iban="DE89370400440532013000",
                account_servicer_ref="TX-1",
            ),
        ),
    )
    batch = Entry(
        entry_ref="SAMMLER-1",
        amount_cents=7500,
        credit=True,
        bank_transaction_code="NDDT+192+00931",
        details=(
            TransactionDetail(
                amount_cents=3000,
                end_to_end_id="HST-17",
                remittance_text="Hundesteuer 1. Quartal 2024 Özdemir",
                mandate_id="HST-000017",
                debtor_name="Özdemir, Ayşe",
            ),
            TransactionDetail(
                amount_cents=4500,
                end_to_end_id="HST-18",
                # Longer than one Ustrd line: written as two, read back as one text.
                remittance_text=" ".join(["Straßenreinigungsgebühr"] * 9),
                instruction_id="INSTR-18",
            ),
        ),
    )
    returned = Entry(
        entry_ref="RETURN-1",
        amount_cents=4800,
        credit=False,
        charges_cents=300,
        bank_transaction_code="PMNT-IDDT-UPDD",
        details=(
            TransactionDetail(
                amount_cents=4800,
                end_to_end_id="GWS-4711",
                remittance_text="Gewerbesteuer",
                return_reason="MD06",
                creditor_name="Stadt Musterstadt",
                creditor_iban=CITY,
            ),
        ),
    )
    reversal = Entry(
        entry_ref="STORNO-1",
        amount_cents=2000,
        credit=True,
        reversal=True,
        status="PDNG",
        details=(
            TransactionDetail(
                amount_cents=2000,
                creditor_reference="KASSENZEICHEN-4711",  # structured, but not ISO 11649
                return_reason="NARR-CUSTOM",  # longer than a code: written as Prtry
            ),
        ),
    )
    return Statement(
        statement_id="STMT-2024-03-05",
        account_iban=CITY,
        created_at=CREATED,
        from_date=date(2024, 3, 5),
        to_date=date(2024, 3, 5),
        opening_balance_cents=-1000,
        closing_balance_cents=7200,
        entries=(transfer, batch, returned, reversal),
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_written_document_is_schema_valid(schemas: Schemas, version: str) -> None:
    schemas.validate(write_camt053([_statement(), _statement()], version=version), version)


@pytest.mark.parametrize("version", VERSIONS)
def test_round_trip(version: str) -> None:
    statement = _statement()
    second = replace(statement, statement_id="STMT-2", account_iban="DE02120300000000202051")
    parsed = parse_camt053(write_camt053([statement, second], version=version))
    expected = [
        replace(statement, source_format=f"camt.053.{version}"),
        replace(second, source_format=f"camt.053.{version}"),
    ]
    assert parsed == expected


def test_long_remittance_is_cut_at_spaces() -> None:
    document = etree.fromstring(write_camt053([_statement()]))
    lines = [element.text for element in document.iter("{*}Ustrd")]
    long_text = " ".join(["Straßenreinigungsgebühr"] * 9)
    assert lines == [
        "Hundesteuer 1. Quartal 2024 Özdemir",
        long_text[: long_text.rindex(" ", 0, USTRD_MAX + 1)],
        long_text[long_text.rindex(" ", 0, USTRD_MAX + 1) + 1 :],
        "Gewerbesteuer",
    ]
    assert all(len(line) <= USTRD_MAX for line in lines)


def test_written_001_08_with_newer_namespace_is_valid_001_13(schemas: Schemas) -> None:
    data = write_camt053([_statement()], version="001.08")
    renamed = data.replace(b"camt.053.001.08", b"camt.053.001.13")
    schemas.validate(renamed, "001.13")
    [parsed] = parse_camt053(renamed)
    assert parsed == replace(_statement(), source_format="camt.053.001.13")


def test_umlauts_are_utf8_and_declared() -> None:
    data = write_camt053([_statement()])
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert "Jürgen Weiß".encode() in data


def test_output_is_deterministic_for_the_same_statements() -> None:
    assert write_camt053([_statement()]) == write_camt053([_statement()])


def test_001_02_statement_creation_time_falls_back_to_the_message() -> None:
    statement = replace(_statement(), created_at=None)
    [parsed_08] = parse_camt053(write_camt053([statement], version="001.08", created_at=CREATED))
    [parsed_02] = parse_camt053(write_camt053([statement], version="001.02", created_at=CREATED))
    assert parsed_08.created_at is None
    assert parsed_02.created_at == CREATED  # .001.02 requires Stmt/CreDtTm


def test_entry_without_details_comes_back_with_one() -> None:
    bare = Entry(entry_ref="FEE-1", amount_cents=1150, credit=False)
    statement = replace(_statement(), entries=(bare,))
    [parsed] = parse_camt053(write_camt053([statement]))
    assert parsed.entries[0].details == (
        TransactionDetail(amount_cents=1150, account_servicer_ref="FEE-1"),
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"currency": "USD"}, "only EUR"),
        ({"opening_balance_cents": None, "closing_balance_cents": None}, "at least one balance"),
        ({"statement_id": "X" * 36}, "statement id"),
        ({"account_iban": "37050198/1234567"}, "is not an IBAN"),
    ],
)
def test_what_camt053_cannot_carry_is_refused(change: dict[str, object], message: str) -> None:
    statement = replace(_statement(), **change)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=message):
        write_camt053([statement])


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one statement"):
        write_camt053([])
    with pytest.raises(ValueError, match="cannot be written"):
        write_camt053([_statement()], version="001.13")
    long_ref = replace(
        _statement(), entries=(Entry(entry_ref="R" * 36, amount_cents=1, credit=True),)
    )
    with pytest.raises(ValueError, match="entry reference"):
        write_camt053([long_ref])
