"""Drills: the statement import is cut while it books (issue 21), by a PostgreSQL restart and
by killing the import's process (SIGKILL, as a worker is killed).

The import holds the receivables it books; the drill holds one of them first, so that the
import is caught in the middle of its transaction, deterministically, and then cuts it. What
must hold: the file books whole or not at all (one transaction), the import says what happened
and what to do, and running it again finishes: every entry booked once, a third run books
nothing."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, select

from server.extensions import db
from server.payments.models import Booking, Clarification, Receivable, StatementImport
from tests.conftest import make_test_app
from tests.drills.common import count_rows, wait_for_a_lock_waiter
from tests.drills.conftest import production_settings
from tests.drills.processes import PORTAL, PrivatePostgres
from tests.factories import make_receivable

pytestmark = pytest.mark.drill


def portal_command(database: str, *args: str) -> tuple[int, str]:
    """``portal <args>`` in this process (exit code, output): what is not the drill's fault is
    run without a process of its own, which costs seconds to start."""
    app = make_test_app(database)
    try:
        result = app.test_cli_runner().invoke(args=list(args))
    finally:
        with app.app_context():
            db.engine.dispose()
    return result.exit_code, result.output


def statement_for_four_receivables(database: str, folder: Path) -> tuple[dict[str, str], Path]:
    app = make_test_app(database)
    for amount in (1500, 2500, 3500, 4500):
        make_receivable(app, amount_cents=amount)
    with app.app_context():
        db.engine.dispose()
    settings = {**os.environ, **production_settings(database)}
    statement = folder / "kontoauszug.xml"
    code, output = portal_command(database, "payments", "demo-statement", "--out", str(statement))
    assert code == 0, output[-2000:]
    return settings, statement


def cut_while_booking(
    database: str, settings: dict[str, str], statement: Path, cut: Callable[[int], None]
) -> subprocess.CompletedProcess[str]:
    """Run the import with one receivable held, ``cut(pid)`` it while it waits inside its
    transaction; returns how it ended."""
    holder = create_engine(database)
    held: Connection = holder.connect()
    held.begin()
    last = held.scalar(select(Receivable.id).order_by(Receivable.id.desc()).limit(1))
    held.execute(select(Receivable.id).where(Receivable.id == last).with_for_update())
    importing = subprocess.Popen(
        [str(PORTAL), "payments", "import-statement", str(statement)],
        env=settings,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_a_lock_waiter(database, "the import waiting in its transaction")
    cut(importing.pid)
    stdout, stderr = importing.communicate(timeout=60)
    held.invalidate()
    holder.dispose()
    return subprocess.CompletedProcess(importing.args, importing.returncode, stdout, stderr)


def assert_nothing_kept_then_finished_by_running_again(
    database: str, settings: dict[str, str], statement: Path
) -> None:
    assert count_rows(database, Booking) == 0
    assert count_rows(database, StatementImport) == 0
    assert count_rows(database, Clarification) == 0
    code, output = portal_command(database, "payments", "import-statement", str(statement))
    assert code == 0, output[-3000:]
    assert count_rows(database, Booking) == 4
    assert count_rows(database, StatementImport) == 1
    clarifications = count_rows(database, Clarification)
    code, output = portal_command(database, "payments", "import-statement", str(statement))
    assert code == 0, output[-3000:]
    assert "1 statement(s) imported before" in output
    assert count_rows(database, Booking) == 4
    assert count_rows(database, Clarification) == clarifications


def test_an_import_cut_by_a_database_restart_booked_nothing_and_finishes_when_run_again(
    postgres: PrivatePostgres, database: str, tmp_path: Path
) -> None:
    settings, statement = statement_for_four_receivables(database, tmp_path)
    ended = cut_while_booking(database, settings, statement, lambda _pid: postgres.stop("fast"))
    postgres.start()
    assert ended.returncode != 0
    assert "Traceback" not in ended.stderr, ended.stderr[-3000:]
    assert "run the import again" in ended.stderr
    assert_nothing_kept_then_finished_by_running_again(database, settings, statement)


def test_an_import_killed_while_booking_booked_nothing_and_finishes_when_run_again(
    database: str, tmp_path: Path
) -> None:
    settings, statement = statement_for_four_receivables(database, tmp_path)
    ended = cut_while_booking(
        database, settings, statement, lambda pid: os.kill(pid, signal.SIGKILL)
    )
    assert ended.returncode == -signal.SIGKILL
    # PostgreSQL rolls the dead connection's transaction back; its lock on the import goes.
    assert_nothing_kept_then_finished_by_running_again(database, settings, statement)
