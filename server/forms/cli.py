"""`portal forms ...`: housekeeping of the online forms."""

from __future__ import annotations

import click
from flask.cli import AppGroup

forms_group = AppGroup("forms", help="Online forms: drafts and submissions.")


@forms_group.command("purge-drafts")
def purge_drafts() -> None:
    """Remove drafts untouched for FORM_DRAFT_DAYS, with their files (run daily from cron)."""
    from server.forms.drafts import purge_old_drafts

    click.echo(f"{purge_old_drafts()} drafts removed")
