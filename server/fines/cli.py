"""`portal fines ...`: the offence catalogue and letters for new cases."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from server.fines.cases import sync_offences
from server.fines.letters import write_letters

fines_group = AppGroup("fines", help="Parking fines: offence catalogue, letters.")


@fines_group.command("offences")
def offences_command() -> None:
    """Bring the offence table up to the catalogue shipped with the portal."""
    click.echo(f"{sync_offences()} offence(s) added or changed.")


@fines_group.command("letters")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True)
def letters_command(out_dir: str) -> None:
    """Write the letters (PDF) of all cases that have none yet."""
    written = write_letters(Path(out_dir))
    letters = [path for path in written if not path.name.startswith("briefe-")]
    click.echo(f"{len(letters)} letter(s) written to {out_dir}.")
