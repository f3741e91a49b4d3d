"""Drill: PostgreSQL stops while the cash office's statement import books (issue 21).

The import holds the receivables it books; the drill holds one of them first, so that the
import is caught in the middle of its transaction, deterministically, and then stops the
database under it. What must hold: the file books whole or not at all (one transaction), the
import says what happened and what to do, and running it again finishes: every entry booked
once, and a third run books nothing."""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from server.extensions import db
from server.payments.models import Booking, Clarification, Receivable, StatementImport
from tests.conftest import make_test_app
from tests.drills.common import count_rows
from tests.drills.conftest import production_settings
from tests.drills.processes import PORTAL, PrivatePostgres, wait_for
from tests.factories import make_receivable

pytestmark = pytest.mark.drill


def portal_command(settings: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PORTAL), *args],
        env=settings,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_an_import_cut_by_a_database_restart_booked_nothing_and_finishes_when_run_again(
    postgres: PrivatePostgres, database: str, tmp_path: Path
) -> None:
    app = make_test_app(database)
    for amount in (1500, 2500, 3500, 4500):
        make_receivable(app, amount_cents=amount)
    with app.app_context():
        db.engine.dispose()
    settings = {**os.environ, **production_settings(database)}
    statement = tmp_path / "kontoauszug.xml"
    written = portal_command(settings, "payments", "demo-statement", "--out", str(statement))
    assert written.returncode == 0, written.stderr[-2000:]

    # Hold the last receivable, as a clerk's booking would for a moment.
    holder = create_engine(database)
    held = holder.connect()
    held.begin()
    last = held.scalar(select(Receivable.id).order_by(Receivable.id.desc()).limit(1))
    held.execute(select(Receivable.id).where(Receivable.id == last).with_for_update())

    results: list[subprocess.CompletedProcess[str]] = []
    importing = threading.Thread(
        target=lambda: results.append(
            portal_command(settings, "payments", "import-statement", str(statement))
        )
    )
    importing.start()
    watcher = create_engine(database)

    def import_waits() -> bool:
        with watcher.connect() as connection:
            return bool(
                connection.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND pid <> pg_backend_pid()"
                    )
                )
            )

    wait_for(import_waits, "the import waiting in its transaction")
    watcher.dispose()
    postgres.stop("fast")
    importing.join(timeout=60)
    held.invalidate()
    holder.dispose()
    postgres.start()

    [cut] = results
    assert cut.returncode != 0
    assert "Traceback" not in cut.stderr, cut.stderr[-3000:]
    assert "again" in cut.stderr
    assert count_rows(database, Booking) == 0
    assert count_rows(database, StatementImport) == 0
    assert count_rows(database, Clarification) == 0

    again = portal_command(settings, "payments", "import-statement", str(statement))
    assert again.returncode == 0, again.stderr[-3000:]
    assert count_rows(database, Booking) == 4
    assert count_rows(database, StatementImport) == 1
    clarifications = count_rows(database, Clarification)

    third = portal_command(settings, "payments", "import-statement", str(statement))
    assert third.returncode == 0, third.stderr[-3000:]
    assert "1 statement(s) imported before" in third.stdout
    assert count_rows(database, Booking) == 4
    assert count_rows(database, Clarification) == clarifications
