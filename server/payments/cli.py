"""`portal payments ...`: receivables, the poll job, statements and exports."""

from __future__ import annotations

import json
from datetime import datetime

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


@payments_group.command("import-statement")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_statement_command(path: str) -> None:
    """Import a bank statement (camt.053 or MT940) and book what it pays."""
    from pathlib import Path

    from sqlalchemy.exc import DBAPIError

    from server.db import unreachable
    from server.payments.statement_import import import_statement_file
    from server.payments.statements.model import StatementError

    file = Path(path)
    try:
        result = import_statement_file(file.read_bytes(), filename=file.name, imported_by="cli")
    except StatementError as error:
        raise click.ClickException(f"{file.name}: {error} (nothing was booked)") from error
    except DBAPIError as error:
        if not unreachable(error):
            raise
        # The file books in one transaction: cut off, it booked nothing (or, if the cut came
        # with the commit, all of it); a second run books what is missing, nothing twice.
        raise click.ClickException(
            f"{file.name}: the database could not be reached ({type(error.orig).__name__}): "
            "the file is booked whole or not at all; run the import again once the database "
            "is back, what was booked is recognised and not booked twice"
        ) from error
    click.echo(
        f"{file.name}: {result.statements} statement(s), {result.entries} entries; "
        f"booked {result.booked} ({decimal_string(result.booked_cents)} EUR), "
        f"{result.clarifications} to clarify, {result.ignored} not for receivables, "
        f"{result.refunds_returned} refund transfer(s) returned (waiting for an account), "
        f"{result.already_imported} statement(s) imported before."
    )


@payments_group.command("demo-statement")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False),
    default="-",
    help="File to write (default: standard output).",
)
@click.option(
    "--camt-version", type=click.Choice(["001.02", "001.08"]), default="001.08", show_default=True
)
def demo_statement_command(out: str, camt_version: str) -> None:
    """Write a camt.053 statement that pays the open receivables (demo and tests)."""
    from server.payments.demo_statement import demo_statement

    content = demo_statement(version=camt_version)
    if out == "-":
        click.echo(content.decode("utf-8"), nl=False)
    else:
        from pathlib import Path

        Path(out).write_bytes(content)
        click.echo(f"Wrote {out}.", err=True)


@payments_group.command("export")
@click.option("--date", "day", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option(
    "--format", "output", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
def export_command(day: datetime, output: str) -> None:
    """The day's bookings for the finance system (the same day gives the same file)."""
    from server.payments.export import export_bookings

    click.echo(export_bookings(day.date(), output), nl=False)


@payments_group.command("credit-transfers")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True)
@click.option("--execution-date", type=click.DateTime(["%Y-%m-%d"]))
def credit_transfers_command(out_dir: str, execution_date: datetime | None) -> None:
    """Write the requested refunds as a SEPA credit transfer file (pain.001) for the bank."""
    from pathlib import Path

    from server.formatting import city_today
    from server.payments.refunds import credit_transfer_file

    made = credit_transfer_file(
        execution_date.date() if execution_date else city_today(), clerk="cli"
    )
    if made is None:
        click.echo("No refunds to transfer.")
        return
    name, content, count = made
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    (Path(out_dir) / name).write_bytes(content)
    click.echo(f"Wrote {count} transfer(s) to {Path(out_dir) / name}.")
