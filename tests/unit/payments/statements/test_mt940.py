"""Reading MT940 as German banks deliver it: :86: subfields, SEPA keywords, RC/RD, encodings."""

from __future__ import annotations

from datetime import date

import pytest

from server.payments.statements import StatementError, parse_mt940
from tests.unit.payments.statements.conftest import fixture_bytes

SPARKASSE = "sparkasse_mt940.sta"  # ISO 8859-1, CRLF, two statements
VOLKSBANK = "volksbank_mt940_cp850.sta"  # code page 850, SWIFT {1:}{2:}{4: blocks


def test_sparkasse_statements() -> None:
    first, second = parse_mt940(fixture_bytes(SPARKASSE))
    assert first.source_format == "mt940"
    assert first.statement_id == "STARTUMSE/00045/001"
    assert second.statement_id == "STARTUMSE/00046/001"
    # BLZ/Kontonummer stays as the bank wrote it.
    assert first.account_iban == "37050198/1234567"
    assert (first.from_date, first.to_date) == (date(2024, 3, 4), date(2024, 3, 5))
    assert (first.opening_balance_cents, first.closing_balance_cents) == (15_234_017, 15_243_867)
    booked = sum(e.amount_cents if e.credit else -e.amount_cents for e in first.entries)
    assert first.opening_balance_cents is not None
    assert first.opening_balance_cents + booked == first.closing_balance_cents
    assert first.created_at is None


def test_sepa_credit_with_rf_reference_as_remittance() -> None:
    entry = parse_mt940(fixture_bytes(SPARKASSE))[0].entries[0]
    assert (entry.amount_cents, entry.credit, entry.reversal) == (3500, True, False)
    assert entry.value_date == entry.booking_date == date(2024, 3, 5)
    assert entry.bank_transaction_code == "N051+166+900"  # type, GVC, GVC supplement
    [detail] = entry.details
    assert detail.end_to_end_id is None  # EREF+NOTPROVIDED
    assert detail.remittance_text == "RF18539007547034"
    assert detail.creditor_reference == "RF18539007547034"
    # The name wraps onto the next line right after a space; the IBAN comes from ?31.
    assert (detail.debtor_name, detail.debtor_iban) == ("Jürgen Weiß", "DE89370400440532013000")
    assert detail.creditor_name is None
    assert detail.raw_text == "EREF+NOTPROVIDED SVWZ+RF18539007547034"


def test_sepa_keywords_across_subfields() -> None:
    detail = parse_mt940(fixture_bytes(SPARKASSE))[0].entries[1].details[0]
    assert detail.end_to_end_id == "E2E-2024-03-0001"
    assert detail.instruction_id == "INSTR-77812"  # KREF+
    # "5.1234.5" | "678.9": a full 27-character subfield continues without a space.
    assert detail.remittance_text == "Kassenzeichen 5.1234.5678.9 Hundesteuer 2024 Straße 12"
    assert "KREF+INSTR-77812" in detail.raw_text
    assert detail.debtor_name == "Müller, Anna-Lena"


def test_returned_direct_debit() -> None:
    entry = parse_mt940(fixture_bytes(SPARKASSE))[0].entries[2]
    assert (entry.amount_cents, entry.credit, entry.reversal) == (4800, False, False)
    assert entry.entry_ref == "2024030500123459"  # the bank reference after //
    [detail] = entry.details
    assert detail.account_servicer_ref == "2024030500123459"
    assert detail.mandate_id == "GWS-004711"
    assert detail.end_to_end_id == "GWS-2024-02-004711"
    # A debit's counterparty is the creditor side.
    assert (detail.creditor_name, detail.creditor_iban) == (
        "Becker, Jörg",
        "DE98370501989876543210",
    )
    assert "MD06" in detail.remittance_text


def test_rc_and_rd_are_reversals() -> None:
    entries = parse_mt940(fixture_bytes(SPARKASSE))[0].entries
    reversal_of_credit, reversal_of_debit = entries[3], entries[4]
    # RC reverses a credit, so it takes money out; RD reverses a debit and brings it back.
    assert (reversal_of_credit.credit, reversal_of_credit.reversal) == (False, True)
    assert (reversal_of_debit.credit, reversal_of_debit.reversal) == (True, True)
    assert reversal_of_credit.entry_ref == "STORNO-0305-01"
    assert reversal_of_credit.details[0].remittance_text == "Storno irrtuemliche Gutschrift"


def test_zero_entries_are_left_out_and_references_are_stable() -> None:
    second = parse_mt940(fixture_bytes(SPARKASSE))[1]
    # The 0,00 account closing moves no money.
    assert [e.amount_cents for e in second.entries] == [1150]
    fee = second.entries[0]
    assert fee.entry_ref.startswith("H")
    assert len(fee.entry_ref) == 33
    assert fee.details[0].remittance_text == "Entgelte Abrechnung 01.02.2024 - 29.02.2024"
    assert parse_mt940(fixture_bytes(SPARKASSE))[1].entries[0].entry_ref == fee.entry_ref


def test_volksbank_cp850_in_swift_blocks() -> None:
    [statement] = parse_mt940(fixture_bytes(VOLKSBANK))
    assert statement.account_iban == "DE98370501989876543210"
    assert (statement.opening_balance_cents, statement.closing_balance_cents) == (-31_000, 8_000)
    transfer, fee, interest = statement.entries
    assert transfer.booking_date == date(2024, 3, 6)
    assert transfer.bank_transaction_code == "NTRF+166"
    [detail] = transfer.details
    assert detail.remittance_text == "Miete Bürgerhaus Saal 2 März"
    assert detail.debtor_name == "Kulturverein Südstadt e.V."
    assert "ABWA+Förderkreis Südstadt" in detail.raw_text
    # Unstructured :86: text is the remittance text; no booking date without MMDD.
    assert fee.details[0].remittance_text == "Kontoführung März"
    assert (fee.credit, fee.booking_date, fee.bank_transaction_code) == (False, None, "NCHG")
    assert (interest.credit, interest.amount_cents) == (True, 200)


def test_utf8_and_latin1_give_the_same_text() -> None:
    text = (
        ":20:STARTUMSE\n:25:DE15370501980001234567\n:28C:1/1\n:60F:C240102EUR0,00\n"
        ":61:2401021229C1,00N051NONREF\n:86:166?00GUTSCHRIFT?20SVWZ+Grüße aus Köln\n"
        ":62F:C240102EUR1,00\n-\n"
    )
    from_utf8 = parse_mt940(text.encode("utf-8"))
    assert from_utf8 == parse_mt940(text.encode("latin-1"))
    assert from_utf8 == parse_mt940(b"\xef\xbb\xbf" + text.encode("utf-8"))
    entry = from_utf8[0].entries[0]
    assert entry.details[0].remittance_text == "Grüße aus Köln"
    # Booked on 29 December for value 2 January: the booking year is the one before.
    assert (entry.value_date, entry.booking_date) == (date(2024, 1, 2), date(2023, 12, 29))


# Malformed files: each error names the line and field --------------------------------------

GOOD = (
    ":20:STARTUMSE\n"
    ":25:37050198/1234567\n"
    ":28C:00045/001\n"
    ":60F:C240304EUR100,00\n"
    ":61:2403050305CR35,00N051NONREF\n"
    ":86:166?00GUTSCHRIFT?20SVWZ+Test\n"
    ":62F:C240305EUR135,00\n"
    "-\n"
)


def _error(text: str | bytes) -> StatementError:
    with pytest.raises(StatementError) as caught:
        parse_mt940(text.encode() if isinstance(text, str) else text)
    return caught.value


@pytest.mark.parametrize(
    ("old", "new", "line", "tag", "reason"),
    [
        ("CR35,00", "CR35,005", 5, ":61:", "amount '35,005' has more than two decimals"),
        ("CR35,00", "CR3500", 5, ":61:", "amount '3500' needs exactly one decimal comma"),
        ("CR35,00N051", "CRN051", 5, ":61:", "is not value date"),
        ("2403050305", "2413050305", 5, ":61:", "'241305' is not a date (YYMMDD)"),
        ("0305CR", "1340CR", 5, ":61:", "booking date '1340' is not a date"),
        ("C240304EUR100,00", "C240304USD100,00", 4, ":60F:", "currency 'USD' is not supported"),
        ("C240304EUR100,00", "X240304EUR100,00", 4, ":60F:", "is not C/D, YYMMDD"),
        ("C240305EUR135,00", "C240305EUR135", 7, ":62F:", "needs exactly one decimal comma"),
        (":62F:C240305EUR135,00\n", "", 1, ":20:", "no closing balance :62F:"),
        (":60F:C240304EUR100,00\n", "", 1, ":20:", "no opening balance :60F:"),
        (":25:37050198/1234567\n", "", 1, ":20:", "no account :25:"),
    ],
)
def test_malformed_fields(old: str, new: str, line: int, tag: str, reason: str) -> None:
    error = _error(GOOD.replace(old, new))
    assert (error.line, error.element) == (line, tag)
    assert reason in str(error)
    assert str(error).startswith(f"MT940, line {line}, field {tag.strip(':')}: ")


def test_text_before_the_first_field() -> None:
    error = _error("Kontoauszug März\n" + GOOD)
    assert (error.line, error.element) == (1, None)
    assert "does not start with an MT940 field" in str(error)


def test_statement_must_start_with_20() -> None:
    error = _error(GOOD.replace(":20:STARTUMSE\n", ""))
    assert (error.line, error.element) == (1, ":25:")


def test_truncated_file() -> None:
    error = _error(GOOD[: GOOD.index(":62F:")])
    assert "no closing balance" in str(error)
    assert error.line == 1


@pytest.mark.parametrize("data", [b"", b"\r\n  \r\n", b"-\r\n"])
def test_empty(data: bytes) -> None:
    error = _error(data)
    assert error.line == 1
    assert "no MT940 field" in str(error)


def test_garbage() -> None:
    error = _error(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert (error.line, str(error).startswith("MT940, line 1:")) == (1, True)


def test_free_text_details_with_sepa_keywords_and_a_bank_field() -> None:
    text = (
        ":20:X\n:25:DE15370501980001234567\n:28C:1/1\n:60F:C240102EUR0,00\n"
        ":61:240102C1,00NTRFNONREF\n"
        ":NS:22Bankinterne Angabe\n"
        ":86:SEPA-UEBERWEISUNG EREF+ABC-123 SVWZ+Rechnung 2024-0815 Kassenzeic\n"
        "hen 4711 IBAN+DE89370400440532013000\n"
        ":62F:C240102EUR1,00\n-\n"
    )
    [detail] = parse_mt940(text.encode())[0].entries[0].details
    assert detail.end_to_end_id == "ABC-123"
    # The first line was full (61 characters after ":86:"), so the word goes on unbroken.
    assert detail.remittance_text == "Rechnung 2024-0815 Kassenzeichen 4711"
    assert detail.debtor_iban == "DE89370400440532013000"
    assert "Bankinterne" not in detail.raw_text


def test_statement_information_after_the_closing_balance_is_not_an_entry_detail() -> None:
    text = GOOD.replace(":86:166?00GUTSCHRIFT?20SVWZ+Test\n", "").replace(
        "-\n", ":86:Ihr Kontoauszug Nr. 45\n-\n"
    )
    [entry] = parse_mt940(text.encode())[0].entries
    assert entry.details[0].remittance_text == ""
    assert entry.details[0].raw_text == ""


def test_repeated_bank_references_stay_unique() -> None:
    entry = ":61:2403050305CR35,00N051NONREF//B-1\n:86:166?00GUTSCHRIFT?20SVWZ+Test\n"
    text = GOOD.replace(
        ":61:2403050305CR35,00N051NONREF\n:86:166?00GUTSCHRIFT?20SVWZ+Test\n", entry * 2
    ).replace("C240305EUR135,00", "C240305EUR170,00")
    refs = [e.entry_ref for e in parse_mt940(text.encode())[0].entries]
    assert refs == ["B-1", "B-1/2"]
