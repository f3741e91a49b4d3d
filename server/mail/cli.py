from __future__ import annotations

import click
from flask.cli import AppGroup

from server.mail.outbox import send_pending

mail_group = AppGroup("mail", help="Outgoing mail.")


@mail_group.command("send")
def send_command() -> None:
    """Deliver the mails waiting in the outbox (run it from cron)."""
    sent, failed = send_pending()
    click.echo(f"{sent} sent, {failed} failed (retried next time).")
