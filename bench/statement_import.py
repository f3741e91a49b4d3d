"""Import a camt.053 statement of many entries and print entries per second.

    .venv/bin/python bench/statement_import.py [--entries 100000] [--database-url URL]

Creates as many receivables in a throwaway SQLite database (or the given one, which it fills),
writes a statement that pays them (70 % by RF reference, 20 % by Kassenzeichen in the text,
10 % with a reference nobody knows), reads it once (the reader alone), imports it, and imports it
once more (which must book nothing and is recognised by the statement's head). Wall and CPU
seconds of each step; the peak memory of the import itself (Linux: the process's high-water mark
is reset before it, /proc/self/clear_refs). Numbers go into the README, never into tests.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import os
import pstats
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import insert, update

from server import create_app
from server.extensions import db
from server.migrate import upgrade
from server.payments.models import Receivable, Sequence
from server.payments.receivables import kassenzeichen_scheme
from server.payments.references import make_kassenzeichen, rf_reference
from server.payments.statement_import import import_statement_file
from server.payments.statements.camt053_writer import write_camt053
from server.payments.statements.detect import stream_statement_file
from server.payments.statements.model import Entry, Statement, TransactionDetail

DAY = date(2026, 11, 24)


def _status_mb(field: str) -> float | None:
    """A memory figure of /proc/self/status (Linux, in KB there), or None elsewhere."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return None


def peak_rss_mb() -> float:
    """The process's peak resident set since the last ``reset_peak``."""
    peak = _status_mb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    current = _status_mb("VmRSS")
    return current if current is not None else peak_rss_mb()


def reset_peak() -> None:
    """Start the high-water mark anew, so that the import's own peak shows (Linux)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


class Clock:
    """Wall and CPU seconds of a step: on a shared machine CPU time is the steadier number."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def __str__(self) -> str:
        return (
            f"{time.perf_counter() - self.wall:.1f} s, CPU {time.process_time() - self.cpu:.1f} s"
        )

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument(
        "--profile", action="store_true", help="print where the import's time goes (cProfile)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite:///{Path(scratch) / 'bench.db'}"
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        upgrade(url)
        app = create_app({"PORTAL_ENV": "testing", "DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
        with app.app_context():
            return run(app.config["PAYEE_IBAN"], args.entries, profile=args.profile)


def run(city_iban: str, count: int, *, profile: bool = False) -> int:
    scheme = kassenzeichen_scheme()
    started = time.perf_counter()
    rows = []
    for number in range(1, count + 1):
        kassenzeichen = make_kassenzeichen(number, scheme)
        rows.append(
            {
                "kassenzeichen": kassenzeichen,
                "rf_reference": rf_reference(kassenzeichen),
                "access_token_hash": f"bench-{number}",
                "purpose": "bench",
                "description": "Benchmark",
                "debtor_name": f"Person {number}",
                "amount_cents": 1000 + number % 9000,
                "currency": "EUR",
                "due_date": DAY,
            }
        )
    with db.transaction() as session:
        for start in range(0, len(rows), 5000):
            session.execute(insert(Receivable), rows[start : start + 5000])
        session.merge(Sequence(name="kassenzeichen", last_value=count))
        session.execute(update(Sequence).values(last_value=count))
    print(f"{count} receivables created in {time.perf_counter() - started:.1f} s")

    entries = []
    for index, row in enumerate(rows):
        amount = row["amount_cents"]
        if index % 10 < 7:
            detail = TransactionDetail(
                amount_cents=amount,
                creditor_reference=row["rf_reference"],
                debtor_name=row["debtor_name"],
            )
        elif index % 10 < 9:
            detail = TransactionDetail(
                amount_cents=amount,
                debtor_name=row["debtor_name"],
                remittance_text=f"KZ {row['kassenzeichen']} Gebuehr",
            )
        else:
            detail = TransactionDetail(
                amount_cents=amount, remittance_text="Rechnung 4711", debtor_name="Unbekannt"
            )
        entries.append(
            Entry(
                entry_ref=f"B{index:07d}",
                amount_cents=amount,
                credit=True,
                booking_date=DAY,
                value_date=DAY,
                details=(detail,),
            )
        )
    statement = Statement(
        statement_id="BENCH-1",
        account_iban=city_iban,
        from_date=DAY,
        to_date=DAY,
        opening_balance_cents=0,
        closing_balance_cents=sum(e.amount_cents for e in entries),
        entries=tuple(entries),
        source_format="camt.053.001.08",
    )
    started = time.perf_counter()
    data = write_camt053([statement])
    print(f"written: {len(data) / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s")

    del rows, entries, statement
    gc.collect()

    clock = Clock()
    read = sum(len(list(entries)) for _head, entries in stream_statement_file(data))
    print(f"read:     {read} entries in {clock} ({read / clock.seconds:,.0f} entries/s)")

    before = rss_mb()
    reset_peak()
    profiler = cProfile.Profile() if profile else None
    clock = Clock()
    if profiler is not None:
        profiler.enable()
    result = import_statement_file(data, filename="bench.xml")
    seconds = clock.seconds
    if profiler is not None:
        profiler.disable()
        pstats.Stats(profiler).strip_dirs().sort_stats("cumulative").print_stats(40)
    print(
        f"imported: {result.entries} entries in {clock} "
        f"({result.entries / seconds:,.0f} entries/s, parsing included): "
        f"{result.booked} booked, {result.clarifications} to clarify; "
        f"peak RSS {peak_rss_mb():.0f} MB during the import ({before:.0f} MB when it began, "
        f"the file {len(data) / 2**20:.0f} MB of it)"
    )

    clock = Clock()
    again = import_statement_file(data, filename="bench.xml")
    print(f"again:    {again.booked} booked, {again.already_imported} statement known ({clock})")
    expected_booked = sum(1 for index in range(count) if index % 10 < 9)
    ok = result.booked == expected_booked and again.booked == 0
    print("OK" if ok else f"UNEXPECTED: booked {result.booked}, expected {expected_booked}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
