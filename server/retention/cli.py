"""`portal retention ...`: delete what is due (daily), and show what will go when."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from server.retention.report import HORIZONS, outlook
from server.retention.run import run_due

retention_group = AppGroup(
    "retention", help="Retention (DSGVO Art. 5 (1) e): delete what is due, show what will go."
)


@retention_group.command("run")
def run_command() -> None:
    """Delete every record whose period has ended, with its stored files; write the counts to
    the audit log. Run daily; safe to run again and on several servers at once."""
    report = run_due()
    for result in report.results:
        line = f"{result.kind.value}: {result.deleted} deleted, {result.files} file(s)"
        if result.anonymised:
            line += f", {result.anonymised} made nameless"
        if result.failed:
            line += f", {result.failed} failed"
        click.echo(line)
    failed = sum(result.failed for result in report.results)
    if failed:
        raise click.ClickException(
            f"{failed} deletion(s) failed (see the log); they are tried again on the next run."
        )


@retention_group.command("report")
def report_command() -> None:
    """Per kind of record: its period and how many records are due now, within 30 and within
    90 days."""
    headers = ["kind", "due now", *(f"in {days} days" for days in HORIZONS[1:]), "period"]
    rows = [
        [item.kind.value, *(str(count) for count in item.due), item.period] for item in outlook()
    ]
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers) - 1)]
    for row in [headers, *rows]:
        cells = [
            row[i].ljust(widths[i]) if i == 0 else row[i].rjust(widths[i])
            for i in range(len(widths))
        ]
        click.echo("  ".join([*cells, row[-1]]))
