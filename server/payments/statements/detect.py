"""Telling a camt.053 file from an MT940 file by its content, not by its name.

Banks and users name statement files freely (``Umsaetze.sta``, ``auszug.txt``, ``camt.xml``),
so the first bytes decide: XML goes to the camt.053 reader (which refuses camt.052, camt.054,
pain.001 and other XML with a message that says what the file is), a file starting with
``:20:`` or a SWIFT ``{1:`` block to the MT940 reader.
"""

from __future__ import annotations

from server.payments.statements.camt053 import parse_camt053, stream_camt053
from server.payments.statements.model import Statement, StatementError, StatementStream
from server.payments.statements.mt940 import parse_mt940

NOT_A_STATEMENT = "not a camt.053 or MT940 bank statement"

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def parse_statement_file(data: bytes, filename: str | None = None) -> list[Statement]:
    """The statements in an uploaded camt.053 or MT940 file.

    ``filename`` only labels error messages. Raises ``StatementError`` for an empty file, for
    anything that is neither format (``"not a camt.053 or MT940 bank statement"``) and for every
    error the format's reader finds.
    """
    if _format(data, filename) == "camt.053":
        return parse_camt053(data)
    return parse_mt940(data)


def stream_statement_file(data: bytes, filename: str | None = None) -> StatementStream:
    """The statements of the file as they are read (``StatementStream``): a camt.053 file is
    read entry by entry, an MT940 file (never large) at once. The format is told before
    anything is read; the reader's own errors come where it meets them."""
    if _format(data, filename) == "camt.053":
        return stream_camt053(data)
    return StatementStream.of(parse_mt940(data))


def _format(data: bytes, filename: str | None) -> str:
    if not data.strip():
        raise StatementError(f"the file is empty: {NOT_A_STATEMENT}", source=filename)
    start = data.lstrip()
    if start.startswith(_BOMS[0]):
        start = start[len(_BOMS[0]) :].lstrip()
    if start.startswith(b"<") or data.startswith(_BOMS[1:]):
        return "camt.053"
    if start.startswith((b":20:", b"{1:")):
        return "mt940"
    if start.startswith(b"PK\x03\x04"):
        # Sparkassen offer camt.053 downloads as a ZIP of one XML file per statement.
        raise StatementError(
            f"a ZIP archive, {NOT_A_STATEMENT}: unpack it and upload the files inside",
            source=filename,
            line=1,
        )
    raise StatementError(NOT_A_STATEMENT, source=filename, line=1)
