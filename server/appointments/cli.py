"""`portal appointments ...`: the reminder mails the day before (run from cron)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from server.appointments.office_mail import send_reminders

appointments_group = AppGroup("appointments", help="Appointments: reminders.")


@appointments_group.command("remind")
def remind_command() -> None:
    """Queue the reminder for every confirmed appointment of tomorrow that has none yet. Safe
    to run as often and on as many instances as you like: each reminder is queued once."""
    click.echo(f"{send_reminders()} reminder(s) queued.")
