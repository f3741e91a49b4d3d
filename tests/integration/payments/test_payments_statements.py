"""Bank statements booked automatically: camt.053 files written here for every matching case,
imported through the real parser, on both databases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask

from server.extensions import db
from server.formatting import city_today
from server.payments.clarifications import accept, assign, list_clarifications, refund, write_off
from server.payments.export import export_bookings
from server.payments.models import Booking, Clarification, Receivable, Refund
from server.payments.receivables import balance, create_receivable, find_by_kassenzeichen
from server.payments.references import format_kassenzeichen
from server.payments.refunds import credit_transfer_file
from server.payments.statement_import import ForeignStatement, import_statement_file
from server.payments.statements.camt053_writer import write_camt053
from server.payments.statements.model import Entry, Statement, StatementError, TransactionDetail

CITY_IBAN = "DE02120300000000202051"
PAYER_IBAN = "DE89370400440532013000"
DAY = date(2026, 11, 24)


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app


def credit(ref: str, amount: int, *details: TransactionDetail, status: str = "BOOK") -> Entry:
    return Entry(
        entry_ref=ref,
        amount_cents=amount,
        credit=True,
        status=status,
        booking_date=DAY,
        value_date=DAY,
        bank_transaction_code="PMNT-RCDT-ESCT",
        details=details or (TransactionDetail(amount_cents=amount),),
    )


def transfer(
    amount: int,
    *,
    text: str = "",
    rf: str | None = None,
    e2e: str | None = None,
    name: str = "Erika Mustermann",
) -> TransactionDetail:
    return TransactionDetail(
        amount_cents=amount,
        remittance_text=text,
        creditor_reference=rf,
        end_to_end_id=e2e,
        debtor_name=name,
        debtor_iban=PAYER_IBAN,
    )


def camt(
    *entries: Entry, statement_id: str = "STMT-1", iban: str = CITY_IBAN, version: str = "001.08"
) -> bytes:
    statement = Statement(
        statement_id=statement_id,
        account_iban=iban,
        from_date=DAY,
        to_date=DAY,
        opening_balance_cents=0,
        closing_balance_cents=sum(e.amount_cents if e.credit else -e.amount_cents for e in entries),
        entries=entries,
        source_format=f"camt.053.{version}",
    )
    return write_camt053([statement], version=version)


def receivable(app: Flask, cents: int, debtor: str = "Erika Mustermann") -> Receivable:
    """Created in the test's own app context (a nested context would end its session)."""
    return create_receivable(
        purpose="test", amount_cents=cents, description="Gebühr", debtor_name=debtor, due_date=DAY
    ).receivable


def reasons() -> list[str]:
    return [c.reason for c in db.session.query(Clarification).order_by(Clarification.id)]


@pytest.mark.parametrize("version", ["001.02", "001.08"])
def test_rf_reference_kassenzeichen_in_text_and_in_end_to_end_id_are_booked(
    ctx: Flask, version: str
) -> None:
    by_rf, by_text, by_e2e = receivable(ctx, 2500), receivable(ctx, 9600), receivable(ctx, 1300)
    dotted = format_kassenzeichen(by_text.kassenzeichen).replace(" ", ".")
    data = camt(
        credit("E1", 2500, transfer(2500, rf=by_rf.rf_reference)),
        credit("E2", 9600, transfer(9600, text=f"Hundesteuer KZ {dotted} danke")),
        credit("E3", 1300, transfer(1300, e2e=f"KZ-{by_e2e.kassenzeichen}")),
        version=version,
    )
    result = import_statement_file(data, filename="auszug.xml", imported_by="test")
    assert (result.entries, result.booked, result.clarifications) == (3, 3, 0)
    for found, cents in ((by_rf, 2500), (by_text, 9600), (by_e2e, 1300)):
        db.session.refresh(found)
        assert balance(found).status == "paid"
        assert [b.amount_cents for b in found.bookings] == [cents]
        assert found.bookings[0].counterparty_iban == PAYER_IBAN


def test_importing_the_same_statement_twice_books_nothing_twice(ctx: Flask) -> None:
    target = receivable(ctx, 2500)
    data = camt(
        credit("E1", 2500, transfer(2500, rf=target.rf_reference)),
        credit("E2", 700, transfer(700, text="Spende")),
    )
    first = import_statement_file(data)
    second = import_statement_file(data)
    assert (first.booked, first.clarifications) == (1, 1)
    assert (second.statements, second.already_imported, second.booked) == (0, 1, 0)
    # The same entries in another (corrected) statement do not book again either.
    third = import_statement_file(
        camt(credit("E1", 2500, transfer(2500, rf=target.rf_reference)), statement_id="STMT-1-KORR")
    )
    assert third.booked == 0
    assert db.session.query(Booking).count() == 1
    assert db.session.query(Clarification).count() == 1


def test_partial_over_and_double_payments_are_booked_and_clarified(ctx: Flask) -> None:
    partial, over, double = receivable(ctx, 5000), receivable(ctx, 2000), receivable(ctx, 3000)
    import_statement_file(
        camt(
            credit("P1", 2000, transfer(2000, rf=partial.rf_reference)),
            credit("O1", 2500, transfer(2500, rf=over.rf_reference)),
            credit("D1", 3000, transfer(3000, rf=double.rf_reference)),
            credit("D2", 3000, transfer(3000, text=f"nochmal {double.kassenzeichen}")),
        )
    )
    assert reasons() == ["partial_payment", "overpayment", "duplicate_payment"]
    amounts = [c.amount_cents for c in db.session.query(Clarification).order_by(Clarification.id)]
    assert amounts == [3000, 500, 3000]
    assert balance(partial).open_cents == 3000
    assert balance(over).open_cents == -500
    assert balance(double).open_cents == -3000


def test_unknown_reference_is_clarified_with_a_suggestion_and_can_be_assigned(ctx: Flask) -> None:
    target = receivable(ctx, 4711, debtor="Jonas Beispiel")
    wrong_check_digit = target.kassenzeichen[:-1] + str((int(target.kassenzeichen[-1]) + 1) % 10)
    import_statement_file(
        camt(
            credit(
                "U1",
                4711,
                transfer(4711, text=f"Rechnung {wrong_check_digit}", name="JONAS BEISPIEL"),
            )
        )
    )
    [item] = list_clarifications()
    assert item.reason == "unknown_reference"
    assert item.suggested_receivable_id == target.id
    assert balance(target).paid_cents == 0
    assign(item, target, clerk="kasse")
    assert balance(target).status == "paid"
    assert list_clarifications() == []


def test_returned_direct_debit_books_the_money_out_again(ctx: Flask) -> None:
    target = receivable(ctx, 6000)
    import_statement_file(
        camt(credit("IN", 6000, transfer(6000, rf=target.rf_reference)), statement_id="S1")
    )
    returned = Entry(
        entry_ref="RET",
        amount_cents=6000,
        credit=False,
        booking_date=DAY,
        details=(
            TransactionDetail(
                amount_cents=6000,
                return_reason="MD06",
                remittance_text=f"RUECKLASTSCHRIFT {target.rf_reference}",
            ),
        ),
    )
    import_statement_file(camt(returned, statement_id="S2"))
    db.session.refresh(target)
    assert [b.amount_cents for b in target.bookings] == [6000, -6000]
    assert balance(target).status == "open"
    assert reasons() == ["returned_debit"]


def test_a_reversal_of_a_debit_is_money_in_never_booked_out(ctx: Flask) -> None:
    """The bank reverses a debit (camt.053 CRDT with RvslInd, MT940 "RD"): the money comes back
    to the city. It is booked in (here: paid twice, so the cash office is asked), never as a
    return that opens the receivable again."""
    target = receivable(ctx, 2500)
    import_statement_file(
        camt(credit("IN", 2500, transfer(2500, rf=target.rf_reference)), statement_id="S1")
    )
    reversed_debit = Entry(
        entry_ref="RVSL",
        amount_cents=2500,
        credit=True,
        reversal=True,
        booking_date=DAY,
        details=(transfer(2500, rf=target.rf_reference),),
    )
    import_statement_file(camt(reversed_debit, statement_id="S2"))
    mt940 = (
        ":20:STARTUMS\r\n:25:12030000/0000202051\r\n:28C:00002/001\r\n"
        ":60F:C261124EUR1025,00\r\n"
        ":61:2611251125RD25,00NTRFNONREF//BANKREF2\r\n"
        f":86:166?00STORNO?20SVWZ+KZ {format_kassenzeichen(target.kassenzeichen)}"
        "?32ERIKA MUSTERMANN?31DE89370400440532013000\r\n"
        ":62F:C261125EUR1050,00\r\n-\r\n"
    ).encode("latin-1")
    import_statement_file(mt940, filename="auszug.sta")
    db.session.refresh(target)
    assert [b.amount_cents for b in target.bookings] == [2500, 2500, 2500]
    assert balance(target).open_cents == -5000
    assert "returned_debit" not in reasons()


def test_batch_entries_book_each_payment_and_pending_entries_wait(ctx: Flask) -> None:
    first, second = receivable(ctx, 1000), receivable(ctx, 2000)
    import_statement_file(
        camt(
            credit(
                "B1",
                3000,
                transfer(1000, rf=first.rf_reference),
                transfer(2000, rf=second.rf_reference),
            ),
            credit("PD", 999, transfer(999, text="vorgemerkt"), status="PDNG"),
        )
    )
    assert balance(first).status == balance(second).status == "paid"
    assert list_clarifications() == []


def test_foreign_and_malformed_files_book_nothing_and_say_why(ctx: Flask) -> None:
    target = receivable(ctx, 2500)
    with pytest.raises(ForeignStatement, match="not the city's account"):
        import_statement_file(
            camt(
                credit("E1", 2500, transfer(2500, rf=target.rf_reference)),
                iban="DE89370400440532013000",
            )
        )
    broken = camt(credit("E1", 2500, transfer(2500, rf=target.rf_reference)))
    broken = broken.replace(b'<Amt Ccy="EUR">25.00</Amt>', b'<Amt Ccy="EUR">25.001</Amt>', 1)
    with pytest.raises(StatementError, match=r"line \d+"):
        import_statement_file(broken)
    with pytest.raises(StatementError):
        import_statement_file(b"%PDF-1.7 not a statement")
    assert db.session.query(Booking).count() == 0


def test_mt940_statement_is_booked_by_kassenzeichen(ctx: Flask) -> None:
    target = receivable(ctx, 2500)
    mt940 = (
        ":20:STARTUMS\r\n:25:12030000/0000202051\r\n:28C:00001/001\r\n"
        ":60F:C261123EUR1000,00\r\n"
        ":61:2611241124C25,00NTRFNONREF//BANKREF1\r\n"
        f":86:166?00GUTSCHRIFT?20SVWZ+KZ {format_kassenzeichen(target.kassenzeichen)}"
        "?21 Knoellchen?32ERIKA MUSTERMANN?31DE89370400440532013000\r\n"
        ":62F:C261124EUR1025,00\r\n-\r\n"
    ).encode("latin-1")
    result = import_statement_file(mt940, filename="auszug.sta")
    assert result.booked == 1
    assert balance(target).status == "paid"


def test_refunds_are_in_the_journal_and_in_a_pain001_file(ctx: Flask) -> None:
    over = receivable(ctx, 2000)
    import_statement_file(camt(credit("O1", 2500, transfer(2500, rf=over.rf_reference))))
    [item] = list_clarifications()
    refund(item, clerk="kasse", note="zu viel bezahlt")
    db.session.refresh(over)
    assert [b.amount_cents for b in over.bookings] == [2500, -500]
    assert balance(over).status == "paid"
    made = credit_transfer_file(date(2026, 11, 25), clerk="kasse")
    assert made is not None
    name, content, count = made
    assert count == 1
    assert name.endswith(".xml")
    text = content.decode()
    assert "pain.001.001.09" in text
    assert PAYER_IBAN in text
    assert '<InstdAmt Ccy="EUR">5.00</InstdAmt>' in text
    assert "<CtrlSum>5.00</CtrlSum>" in text
    assert db.session.query(Refund).one().state == "exported"
    assert credit_transfer_file(date(2026, 11, 25)) is None


def test_partial_payment_written_off_or_accepted(ctx: Flask) -> None:
    first, second = receivable(ctx, 5000), receivable(ctx, 5000)
    import_statement_file(
        camt(
            credit("P1", 4000, transfer(4000, rf=first.rf_reference)),
            credit("P2", 1000, transfer(1000, rf=second.rf_reference)),
        )
    )
    one, two = list_clarifications()
    write_off(one, clerk="kasse", reason="Bagatellbetrag")
    accept(two, clerk="kasse", note="Rest folgt")
    assert balance(first).status == "paid"
    assert balance(first).written_off_cents == 1000
    assert balance(second).open_cents == 4000
    assert list_clarifications() == []


def test_export_of_a_day_is_stable_and_complete(ctx: Flask) -> None:
    target = receivable(ctx, 2500)
    import_statement_file(camt(credit("E1", 2500, transfer(2500, rf=target.rf_reference))))
    today = city_today()  # the export's day is the city's, not the test machine's
    first = export_bookings(today, "csv")
    assert export_bookings(today, "csv") == first
    header, row = first.strip().split("\n")
    assert header.startswith("booking_id,booked_at,kassenzeichen,rf_reference")
    assert f",{target.kassenzeichen},{target.rf_reference}," in row
    assert ",payment,25.00,EUR,bank," in row
    exported = json.loads(export_bookings(today, "json"))
    assert exported["bookings"][0]["amount"] == "25.00"
    assert json.loads(export_bookings(date(2000, 1, 1), "json"))["bookings"] == []


def test_cli_lists_receivables_as_json_with_decimal_strings(app: Flask) -> None:
    with app.app_context():
        target = receivable(app, 2500)
        import_statement_file(camt(credit("P1", 1000, transfer(1000, rf=target.rf_reference))))
        kassenzeichen, rf = target.kassenzeichen, target.rf_reference
    result = app.test_cli_runner().invoke(
        args=["payments", "receivables", "--status", "partial", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    [line] = [line for line in result.output.splitlines() if line.startswith("{")]
    row = json.loads(line)
    assert row["kassenzeichen"] == kassenzeichen
    assert (row["amount"], row["paid"], row["open"], row["status"]) == (
        "25.00",
        "10.00",
        "15.00",
        "partial",
    )
    assert row["rf_reference"] == rf
    with app.app_context():
        assert find_by_kassenzeichen(format_kassenzeichen(kassenzeichen)) is not None
