"""`portal payments demo-statement`: a camt.053 file as the city's bank would send it, paying
the demo's open receivables in the ways citizens really pay (for trying out the import)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

from flask import current_app

from server.formatting import city_today
from server.payments.journal import ReceivableStatus
from server.payments.receivables import list_receivables
from server.payments.references import format_kassenzeichen
from server.payments.statements.camt053_writer import write_camt053
from server.payments.statements.model import Entry, Statement, TransactionDetail

OPENING_BALANCE = 1_250_000_00
DEMO_PAYERS = ("Erika Mustermann", "Max Mustermann", "Jonas Beispiel", "Aylin Demir")
DEMO_IBANS = (
    "DE89370400440532013000",
    "DE12500105170648489890",
    "DE75512108001245126199",
    "DE44500105175407324931",
)


def _entry(index: int, amount_cents: int, detail: TransactionDetail, day: date) -> Entry:
    return Entry(
        entry_ref=f"DEMO-{day:%Y%m%d}-{index:04d}",
        amount_cents=amount_cents,
        credit=True,
        booking_date=day,
        value_date=day,
        bank_transaction_code="PMNT-RCDT-ESCT",
        details=(detail,),
    )


def demo_statement(day: date | None = None, version: str = "001.08") -> bytes:
    """Pays the open receivables: the first by RF reference (as a GiroCode does), the next by
    Kassenzeichen typed into the text, one only partly; plus a transfer nobody can place."""
    day = day or city_today()
    entries: list[Entry] = []
    open_ones = [
        (r, b)
        for r, b in list_receivables()
        if b.status in (ReceivableStatus.OPEN, ReceivableStatus.PARTIAL)
    ]
    for index, (receivable, balance) in enumerate(open_ones):
        payer = DEMO_PAYERS[index % len(DEMO_PAYERS)]
        iban = DEMO_IBANS[index % len(DEMO_IBANS)]
        if index % 3 == 0:
            detail = TransactionDetail(
                amount_cents=balance.open_cents,
                creditor_reference=receivable.rf_reference,
                end_to_end_id=f"E2E{index:06d}",
                debtor_name=payer,
                debtor_iban=iban,
            )
            amount = balance.open_cents
        elif index % 3 == 1:
            printed = format_kassenzeichen(receivable.kassenzeichen).replace(" ", ".")
            detail = TransactionDetail(
                amount_cents=balance.open_cents,
                remittance_text=f"KZ {printed} {receivable.description}",
                debtor_name=payer,
                debtor_iban=iban,
            )
            amount = balance.open_cents
        else:
            amount = max(1, balance.open_cents // 2)
            detail = TransactionDetail(
                amount_cents=amount,
                remittance_text=f"Teilzahlung {receivable.kassenzeichen}",
                debtor_name=payer,
                debtor_iban=iban,
            )
        entries.append(_entry(index, amount, detail, day))
    entries.append(
        _entry(
            len(entries),
            5000,
            TransactionDetail(
                amount_cents=5000,
                remittance_text="Spende Stadtfest",
                debtor_name="Verein Heimatfreunde",
                debtor_iban="DE02100100109307118603",
            ),
            day,
        )
    )
    digest = hashlib.sha256(repr(entries).encode()).hexdigest()[:8]
    statement = Statement(
        statement_id=f"DEMO-{day:%Y%m%d}-{digest}",
        account_iban=current_app.config["PAYEE_IBAN"].replace(" ", ""),
        created_at=datetime.now(UTC).replace(microsecond=0),
        from_date=day,
        to_date=day,
        opening_balance_cents=OPENING_BALANCE,
        closing_balance_cents=OPENING_BALANCE + sum(e.amount_cents for e in entries),
        entries=tuple(entries),
        source_format=f"camt.053.{version}",
    )
    return write_camt053([statement], version=version)
