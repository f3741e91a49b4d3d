"""`portal appointments ...`: the reminder mails the day before and the retention job (cron)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from server.appointments.office_mail import send_reminders
from server.appointments.retention import purge

appointments_group = AppGroup("appointments", help="Appointments: reminders, retention.")


@appointments_group.command("remind")
def remind_command() -> None:
    """Queue the reminder for every confirmed appointment of tomorrow that has none yet. Safe
    to run as often and on as many instances as you like: each reminder is queued once."""
    click.echo(f"{send_reminders()} reminder(s) queued.")


@appointments_group.command("purge")
def purge_command() -> None:
    """Forget what the privacy notice says goes: names and addresses of past appointments,
    lapsed holds. Run daily."""
    done = purge()
    click.echo(
        f"{done.anonymised} appointment(s) made nameless, {done.deleted} lapsed hold(s) deleted, "
        f"{done.holders} address(es) forgotten."
    )
