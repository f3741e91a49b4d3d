from __future__ import annotations

import pytest

from server.payments.statements import StatementError, parse_statement_file
from tests.unit.payments.statements.conftest import fixture_bytes


@pytest.mark.parametrize(
    ("name", "source_format"),
    [
        ("sparkasse_camt053_001_02.xml", "camt.053.001.02"),
        ("sparkasse_camt053_001_08.xml", "camt.053.001.08"),
        ("sparkasse_mt940.sta", "mt940"),
        ("volksbank_mt940_cp850.sta", "mt940"),
    ],
)
def test_format_is_told_by_content(name: str, source_format: str) -> None:
    # The file name plays no part: a camt.053 named like an MT940 file is still camt.053.
    statements = parse_statement_file(fixture_bytes(name), filename="auszug.txt")
    assert {statement.source_format for statement in statements} == {source_format}


def test_leading_whitespace_and_byte_order_mark() -> None:
    data = b"\xef\xbb\xbf\r\n" + fixture_bytes("sparkasse_mt940.sta")
    assert len(parse_statement_file(data)) == 2
    xml = b"\xef\xbb\xbf" + fixture_bytes("sparkasse_camt053_001_08.xml")
    assert len(parse_statement_file(xml)) == 2


def test_camt054_is_named_for_what_it_is() -> None:
    data = fixture_bytes("sparkasse_camt053_001_08.xml").replace(b"camt.053", b"camt.054")
    with pytest.raises(StatementError, match=r"camt\.054 debit/credit notification"):
        parse_statement_file(data)


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", b"Datum;Betrag;Verwendungszweck\n", b"\x00\x01\x02"],
    ids=["pdf", "csv", "binary"],
)
def test_other_files_are_not_statements(data: bytes) -> None:
    with pytest.raises(StatementError) as caught:
        parse_statement_file(data, filename="upload.bin")
    assert caught.value.reason == "not a camt.053 or MT940 bank statement"
    assert str(caught.value) == "upload.bin, line 1: not a camt.053 or MT940 bank statement"


def test_empty_file_and_zip() -> None:
    with pytest.raises(StatementError, match="the file is empty"):
        parse_statement_file(b"  \n")
    with pytest.raises(StatementError, match="ZIP archive"):
        parse_statement_file(b"PK\x03\x04\x14\x00\x00\x00")
