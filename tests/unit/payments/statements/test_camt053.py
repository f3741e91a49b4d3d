"""Reading camt.053 as a Sparkasse sends it (fixtures valid against the official XSDs)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from server.payments.statements import StatementError, parse_camt053
from tests.unit.payments.statements.conftest import Schemas, fixture_bytes, line_of

V02 = "sparkasse_camt053_001_02.xml"
V08 = "sparkasse_camt053_001_08.xml"
CET = timezone(timedelta(hours=1))


@pytest.mark.parametrize(("name", "version"), [(V02, "001.02"), (V08, "001.08")])
def test_fixtures_are_schema_valid(schemas: Schemas, name: str, version: str) -> None:
    schemas.validate(fixture_bytes(name), version)


def test_sparkasse_001_02_statement() -> None:
    [statement] = parse_camt053(fixture_bytes(V02))
    assert statement.source_format == "camt.053.001.02"
    assert statement.statement_id == "0045202403051830110001"
    assert statement.account_iban == "DE15370501980001234567"
    assert statement.currency == "EUR"
    assert statement.created_at == datetime(2024, 3, 5, 18, 30, 11, tzinfo=CET)
    assert (statement.from_date, statement.to_date) == (date(2024, 3, 5), date(2024, 3, 5))
    # PRCD (previous closing) stands in for a missing OPBD.
    assert statement.opening_balance_cents == 15_234_017
    assert statement.closing_balance_cents == 15_253_067
    booked = sum(e.amount_cents if e.credit else -e.amount_cents for e in statement.entries)
    assert statement.opening_balance_cents + booked == statement.closing_balance_cents


def test_001_02_single_transfer_with_rf_reference() -> None:
    entry = parse_camt053(fixture_bytes(V02))[0].entries[0]
    assert entry.entry_ref == "2024030500123456"
    assert (entry.amount_cents, entry.credit, entry.reversal) == (3500, True, False)
    assert entry.status == "BOOK"  # the 001.02 text form <Sts>BOOK</Sts>
    assert entry.booking_date == entry.value_date == date(2024, 3, 5)
    # Domain/family/sub-family wins over the proprietary DK code given next to it.
    assert entry.bank_transaction_code == "PMNT-RCDT-ESCT"
    [detail] = entry.details
    assert detail.amount_cents == 3500
    assert detail.end_to_end_id is None  # NOTPROVIDED
    assert detail.creditor_reference == "RF18539007547034"
    assert detail.remittance_text == ""
    assert (detail.debtor_name, detail.debtor_iban) == ("Jürgen Weiß", "DE89370400440532013000")
    assert detail.creditor_name == "Stadt Musterstadt"


def test_001_02_unstructured_lines_are_joined() -> None:
    detail = parse_camt053(fixture_bytes(V02))[0].entries[1].details[0]
    assert detail.remittance_text == "Kassenzeichen 5.1234.5678.9 Hundesteuer 2024 Straße 12"
    assert detail.end_to_end_id == "E2E-2024-03-0001"
    assert detail.instruction_id == "INSTR-77812"
    assert detail.debtor_name == "Müller, Anna-Lena"


def test_001_02_batch_has_one_detail_per_payment() -> None:
    entry = parse_camt053(fixture_bytes(V02))[0].entries[2]
    assert entry.amount_cents == 7500
    assert entry.bank_transaction_code == "PMNT-IDDT-ESDD"
    assert [d.amount_cents for d in entry.details] == [3000, 4500]
    assert [d.mandate_id for d in entry.details] == ["HST-000017", "HST-000018"]
    assert [d.debtor_name for d in entry.details] == ["Özdemir, Ayşe", "Schröder, Klaus"]


def test_001_02_returned_direct_debit_with_charges() -> None:
    entry = parse_camt053(fixture_bytes(V02))[0].entries[3]
    assert (entry.amount_cents, entry.credit, entry.charges_cents) == (4800, False, 300)
    [detail] = entry.details
    assert detail.return_reason == "MD06"
    # The booked transaction amount (TxAmt), not the instructed original (InstdAmt).
    assert detail.amount_cents == 4800
    assert detail.mandate_id == "GWS-004711"


def test_001_02_reversal_and_entry_reference_fallbacks() -> None:
    entries = parse_camt053(fixture_bytes(V02))[0].entries
    reversal = entries[4]
    assert (reversal.credit, reversal.reversal) == (True, True)
    assert reversal.entry_ref == "STORNO-0305-01"  # NtryRef when there is no AcctSvcrRef
    assert reversal.value_date == date(2024, 3, 4)
    fee = entries[5]
    assert fee.entry_ref.startswith("H")
    assert len(fee.entry_ref) == 33
    # No TxDtls: one detail carrying the entry amount and the bank's text.
    [detail] = fee.details
    assert detail.amount_cents == 1150
    assert detail.remittance_text == "Entgelte Abrechnung 01.02.2024 - 29.02.2024"
    # The hash is stable: reading the same file again gives the same reference.
    assert parse_camt053(fixture_bytes(V02))[0].entries[5].entry_ref == fee.entry_ref


def test_sparkasse_001_08_two_statements() -> None:
    first, second = parse_camt053(fixture_bytes(V08))
    assert first.source_format == second.source_format == "camt.053.001.08"
    assert first.account_iban == "DE15370501980001234567"
    assert second.account_iban == "DE98370501989876543210"
    assert (second.opening_balance_cents, second.closing_balance_cents) == (-31_000, 9_000)
    assert [e.status for e in first.entries] == ["BOOK", "BOOK", "BOOK", "PDNG"]


def test_001_08_party_names_amounts_and_references() -> None:
    entry = parse_camt053(fixture_bytes(V08))[0].entries[0]
    assert entry.booking_date == date(2024, 3, 6)  # from BookgDt/DtTm
    [detail] = entry.details
    assert detail.debtor_name == "Dr. Hannah Groß-Köhler"  # Dbtr/Pty/Nm
    assert detail.remittance_text == "Sondernutzung Gehweg Baustelle Lindenallee 4"
    assert detail.creditor_reference == "RF9220240000471"
    assert detail.account_servicer_ref == "TX-2024030600200001"
    assert detail.end_to_end_id == "ONLINE-20240306-8891"


def test_001_08_outgoing_batch_with_charge_records() -> None:
    entry = parse_camt053(fixture_bytes(V08))[0].entries[1]
    assert entry.entry_ref == "2024030600200002"  # AcctSvcrRef wins over NtryRef
    assert (entry.credit, entry.charges_cents) == (False, 50)  # sum of Chrgs/Rcrd/Amt
    assert [d.amount_cents for d in entry.details] == [10_000, 15_000]  # TxDtls/Amt
    assert [d.creditor_name for d in entry.details] == ["Lehmann, Sören", "Nguyễn Thị Mai"]
    assert [d.instruction_id for d in entry.details] == ["ERST-0001", "ERST-0002"]


def test_001_08_return_pending_and_missing_amount() -> None:
    first, second = parse_camt053(fixture_bytes(V08))
    assert first.entries[2].details[0].return_reason == "AC04"
    pending = first.entries[3]
    assert pending.bank_transaction_code is None  # an empty <BkTxCd/>
    assert pending.booking_date is None
    [detail] = second.entries[0].details
    assert detail.amount_cents == 40_000  # single TxDtls without amount: the entry's
    assert second.entries[0].bank_transaction_code == "NTRF+166+00900"


def test_every_version_from_02_to_13_is_read() -> None:
    data = fixture_bytes(V08)
    for number in range(2, 14):
        version = f"001.{number:02d}"
        renamed = data.replace(b"camt.053.001.08", f"camt.053.{version}".encode())
        statements = parse_camt053(renamed)
        assert statements[0].source_format == f"camt.053.{version}"
        assert len(statements[0].entries) == 4


# Malformed documents: each error names where it happened --------------------------------


def _error(data: bytes) -> StatementError:
    with pytest.raises(StatementError) as caught:
        parse_camt053(data)
    return caught.value


def test_truncated_document() -> None:
    data = fixture_bytes(V02)
    cut = data[: data.index(b"<RmtInf>")]
    error = _error(cut)
    assert error.line == cut.count(b"\n") + 1
    assert "not well-formed XML" in str(error)
    assert str(error).startswith(f"camt.053, line {error.line}:")


def test_three_decimal_amount_names_line_and_element() -> None:
    data = fixture_bytes(V02).replace(b">120.00</Amt>", b">120.005</Amt>", 1)
    error = _error(data)
    assert str(error) == (
        f"camt.053, line {line_of(data, '120.005')}, <Amt>: "
        "amount '120.005' has more than two decimals"
    )


def test_other_currency_is_refused_with_its_line() -> None:
    data = fixture_bytes(V08).replace(b'<Amt Ccy="EUR">55.00', b'<Amt Ccy="USD">55.00', 1)
    error = _error(data)
    assert (error.line, error.element) == (line_of(data, 'Ccy="USD"'), "Amt")
    assert "currency 'USD' is not supported" in str(error)


def test_other_account_currency_is_refused() -> None:
    data = fixture_bytes(V08).replace(b"<Ccy>EUR</Ccy>", b"<Ccy>CHF</Ccy>", 1)
    error = _error(data)
    assert (error.line, error.element) == (line_of(data, "<Ccy>CHF"), "Ccy")


def test_missing_entry_amount() -> None:
    data = fixture_bytes(V02).replace(b'        <Amt Ccy="EUR">35.00</Amt>\n', b"", 1)
    error = _error(data)
    assert error.element == "Ntry"
    assert error.line == line_of(data, "<Ntry>")
    assert "the entry has no amount <Amt>" in str(error)


def test_batch_transaction_without_amount() -> None:
    data = fixture_bytes(V08).replace(b'<Amt Ccy="EUR">150.00</Amt>', b"", 1)
    error = _error(data)
    assert error.element == "TxDtls"
    assert error.line == line_of(data, "<TxDtls>", 3)


def test_bad_indicator_and_date() -> None:
    data = fixture_bytes(V02).replace(
        b"<CdtDbtInd>CRDT</CdtDbtInd>", b"<CdtDbtInd>X</CdtDbtInd>", 3
    )
    assert _error(data).element == "CdtDbtInd"
    booking = b"<BookgDt>\n          <Dt>2024-03-05</Dt>"
    data = fixture_bytes(V02).replace(booking, booking.replace(b"2024-03-05", b"05.03.2024"), 1)
    error = _error(data)
    assert (error.line, error.element) == (line_of(data, "05.03.2024"), "Dt")


@pytest.mark.parametrize(
    ("namespace", "reason"),
    [
        ("camt.054.001.08", "a camt.054 debit/credit notification, not a camt.053"),
        ("camt.052.001.08", "a camt.052 account report"),
        ("pain.001.001.09", "a pain.001 credit transfer order"),
        ("camt.053.001.14", "camt.053 version 001.14 is not supported"),
        ("camt.053.001.01", "camt.053 version 001.01 is not supported"),
    ],
)
def test_other_iso20022_documents_are_refused(namespace: str, reason: str) -> None:
    data = fixture_bytes(V08).replace(b"camt.053.001.08", namespace.encode())
    error = _error(data)
    assert reason in str(error)
    assert (error.line, error.element) == (3, "Document")


def test_wrong_namespace() -> None:
    data = fixture_bytes(V08).replace(
        b"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08", b"urn:example:statement"
    )
    assert "namespace 'urn:example:statement' is not camt.053" in str(_error(data))
    error = _error(b"<Kontoauszug><Umsatz/></Kontoauszug>")
    assert "the root element is <Kontoauszug>" in str(error)
    assert error.line == 1


def test_document_without_statement() -> None:
    data = (
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">'
        b"<BkToCstmrStmt><GrpHdr><MsgId>1</MsgId></GrpHdr></BkToCstmrStmt></Document>"
    )
    assert "holds no statement" in str(_error(data))


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt>
<Id>&xxe;</Id></Stmt></BkToCstmrStmt></Document>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Document [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt>
<Id>&lol9;</Id></Stmt></BkToCstmrStmt></Document>"""


@pytest.mark.parametrize("data", [XXE, BILLION_LAUGHS], ids=["xxe", "billion-laughs"])
def test_document_type_declarations_are_refused(data: bytes) -> None:
    error = _error(data)
    assert "document type declaration (DTD) is not allowed" in str(error)
    assert (error.line, error.element) == (
        data.count(b"\n", 0, data.index(b"<Document")) + 1,
        "Document",
    )


def test_undeclared_entity_is_not_well_formed() -> None:
    data = fixture_bytes(V08).replace(b"<Id>0046202403061815020001</Id>", b"<Id>&foo;</Id>", 1)
    error = _error(data)
    assert "not well-formed XML" in str(error)
    assert error.line == line_of(data, "&foo;")


@pytest.mark.parametrize("data", [b"", b"   \n", b"\x00\x01\x02\xff garbage"])
def test_empty_or_garbage(data: bytes) -> None:
    error = _error(data)
    assert error.line == 1
    assert str(error).startswith("camt.053, line 1:")


def test_zero_entries_are_left_out() -> None:
    data = fixture_bytes(V02).replace(b">11.50</Amt>", b">0.00</Amt>", 1)
    statement = parse_camt053(data)[0]
    assert len(statement.entries) == 5
    assert all(entry.amount_cents > 0 for entry in statement.entries)


def test_repeated_or_placeholder_bank_references() -> None:
    data = (
        fixture_bytes(V02)
        .replace(b"2024030500123457", b"2024030500123456")
        .replace(b"2024030500123458", b"2024030500123456")
        .replace(b"<AcctSvcrRef>2024030500123459", b"<AcctSvcrRef>NONREF")
    )
    refs = [entry.entry_ref for entry in parse_camt053(data)[0].entries]
    assert refs[:3] == ["2024030500123456", "2024030500123456/2", "2024030500123456/3"]
    assert refs[3].startswith("H")  # NONREF is no reference
    assert len(set(refs)) == len(refs)
