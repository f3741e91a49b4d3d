"""`portal payments ...`: receivables, the poll job, statements and exports."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from server.payments.journal import ReceivableStatus
from server.payments.money import decimal_string
from server.payments.online import poll_pending
from server.payments.receivables import list_receivables

payments_group = AppGroup("payments", help="Receivables, payments, bank statements.")


@payments_group.command("receivables")
@click.option("--status", type=click.Choice([s.value for s in ReceivableStatus]))
@click.option(
    "--format", "output", type=click.Choice(["json", "table"]), default="table", show_default=True
)
def receivables_command(status: str | None, output: str) -> None:
    """List receivables with what is paid and open (JSON: one object per line)."""
    for receivable, balance in list_receivables(ReceivableStatus(status) if status else None):
        row = {
            "kassenzeichen": receivable.kassenzeichen,
            "rf_reference": receivable.rf_reference,
            "purpose": receivable.purpose,
            "description": receivable.description,
            "debtor_name": receivable.debtor_name,
            "due_date": receivable.due_date.isoformat(),
            "amount": decimal_string(balance.expected_cents),
            "paid": decimal_string(balance.paid_cents),
            "written_off": decimal_string(balance.written_off_cents),
            "open": decimal_string(balance.open_cents),
            "currency": receivable.currency,
            "status": balance.status.value,
        }
        if output == "json":
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            click.echo(
                f"{row['kassenzeichen']}\t{row['amount']}\t{row['paid']}\t"
                f"{row['open']}\t{row['status']}\t{row['description']}"
            )


@payments_group.command("poll")
def poll_command() -> None:
    """Ask the provider about payments that are still not final (run it from cron)."""
    asked = poll_pending()
    click.echo(f"Asked about {len(asked)} payment(s).")
