"""Money moves only as journal bookings, and only the journal writes them: no other module
makes a ``Booking`` or inserts into its table (the statement import books through
``journal.Batch``), so there is one definition of "settled" (``journal.settles``)."""

from __future__ import annotations

import re
from pathlib import Path

SERVER = Path(__file__).resolve().parents[3] / "server"
WRITES_BOOKINGS = re.compile(r"\bBooking\(|insert\(\s*Booking\b|\bbookings\b.*\binsert\b")


def test_only_the_journal_writes_bookings() -> None:
    writers = sorted(
        str(path.relative_to(SERVER))
        for path in SERVER.rglob("*.py")
        if path.name != "models.py" and WRITES_BOOKINGS.search(path.read_text(encoding="utf-8"))
    )
    assert writers == ["payments/journal.py"]
