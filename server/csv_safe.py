"""CSV files the portal writes, safe to open in a spreadsheet (no formula injection).

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by Excel, LibreOffice and Google Sheets: a bank transfer's debtor name
``@SUM(1+1)*cmd|' /C calc'!A0`` would run in the finance office's spreadsheet. OWASP's rule
(https://owasp.org/www-community/attacks/CSV_Injection): such a cell is prefixed with a single
quote ``'``, which the spreadsheet shows as text and does not evaluate.

One exception, also from OWASP's guidance: a cell that is entirely a plain number
(``^-?\\d+(\\.\\d+)?$``, e.g. a refund's amount ``-12.50``) stays as it is; it is a number,
not a formula, and the finance system reads it as one. ``+12``, ``-1+1``, ``-12,50`` or
``-1e3`` are not plain numbers here and are neutralised.

Every CSV writer goes through :func:`write_csv` (or :func:`neutralise_cell`); JSON exports stay
raw, JSON is not evaluated by anyone.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def neutralise_cell(value: str) -> str:
    """``value`` as a spreadsheet shows it as text: ``'`` before a formula's first character;
    plain numbers (``-12.50``) and ordinary text unchanged."""
    if value.startswith(FORMULA_STARTS) and PLAIN_NUMBER.fullmatch(value) is None:
        return "'" + value
    return value


def write_csv(fieldnames: Sequence[str], rows: Iterable[Mapping[str, str]]) -> str:
    """A CSV text (header first, ``\\n`` line ends) whose every cell is neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralise_cell(name) for name in fieldnames])
    for row in rows:
        writer.writerow([neutralise_cell(row.get(name, "")) for name in fieldnames])
    return buffer.getvalue()
