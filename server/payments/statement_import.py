"""Booking bank statements: every incoming transfer is matched to its receivable and booked.

Matching order, for each payment in each entry of the statement:
1. an ISO 11649 RF creditor reference (structured remittance, or written in the text);
2. a Kassenzeichen anywhere in the EndToEndId or the remittance text (spaces, dots and dashes
   tolerated, check digit verified);
3. nothing certain: a Klärungsfall for the cash office, with a suggestion from amount and name.

A matched payment is booked even when it does not fit (partial, too much, twice): the money is
there and the journal says so; the cash office is told in a Klärungsfall. Returned direct debits
and reversals book the money out again. A statement, and every entry in it, books once, however
often the file is imported. A file that cannot be read books nothing.

The file is booked as it is read (``stream_statement_file``), 5,000 entries at a time: each
chunk's references are looked up, its receivables held and their balances read in a few bulk
queries, its bookings and Klärungsfälle inserted together. Memory stays bounded by a chunk, not
by the file. The whole file is one transaction, so that an error anywhere in it (a broken last
entry, a foreign account in the second statement) books nothing, and a statement books
completely or not at all; imports run one after another (on PostgreSQL an advisory lock), so
that two imports holding receivables chunk by chunk cannot deadlock each other. A statement
imported before is recognised by its head, before its entries: they are not read at all.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import islice
from typing import Any

from flask import current_app
from schwifty import IBAN
from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from server.audit import log as audit
from server.db import BULK_CHUNK, insert_once, utcnow
from server.extensions import db
from server.logs import get_logger
from server.payments.bulk import any_of, rows_of
from server.payments.journal import Balance, Batch, balance_columns
from server.payments.models import (
    Booking,
    BookingKind,
    BookingSource,
    Clarification,
    ClarificationReason,
    ClarificationState,
    Receivable,
    StatementImport,
)
from server.payments.receivables import kassenzeichen_scheme
from server.payments.references import find_kassenzeichen, find_rf_references
from server.payments.statements.detect import stream_statement_file
from server.payments.statements.model import (
    Entry,
    Statement,
    StatementError,
    StatementStream,
    TransactionDetail,
)

log = get_logger("payments")


class ForeignStatement(StatementError):
    """A statement of an account that is not the city's."""


@dataclass
class ImportResult:
    statements: int = 0
    already_imported: int = 0
    entries: int = 0
    booked: int = 0
    clarifications: int = 0
    ignored: int = 0
    booked_cents: int = 0
    import_ids: list[int] = field(default_factory=list)


@dataclass
class _Ledger:
    """The receivables a statement touches, found by reference; booked through the journal."""

    journal: Batch
    by_rf: dict[str, int]
    by_kassenzeichen: dict[str, int]
    # What each payment's texts name (by ``id`` of the detail), read once: RF references, and
    # Kassenzeichen where no RF reference names a receivable (else not needed, not read).
    named: dict[int, tuple[list[str], list[str]]] = field(default_factory=dict)
    # For the clerk's suggestions: (id, debtor's name) of receivables by what is open of them.
    by_open: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    # Letter counts of the names compared for suggestions (length, counts), by name.
    letters: dict[str, tuple[int, Counter[str]]] = field(default_factory=dict)
    # Clarifications to insert together at the end of the statement.
    clarifications: list[dict[str, object]] = field(default_factory=list)

    @property
    def session(self) -> Session:
        return self.journal.session

    def book(
        self,
        receivable_id: int,
        kind: BookingKind,
        amount_cents: int,
        source_ref: str,
        detail: TransactionDetail,
        note: str,
    ) -> tuple[Balance, Balance]:
        booked = self.journal.book(
            receivable_id=receivable_id,
            kind=kind,
            amount_cents=amount_cents,
            source=BookingSource.BANK,
            source_ref=source_ref,
            note=note[:500],
            counterparty_name=(detail.debtor_name or "")[:140] or None,
            counterparty_iban=detail.debtor_iban,
        )
        if booked is None:  # the import skips what the journal has booked before
            raise RuntimeError(f"{source_ref} was booked before")
        return booked


def _account(account: str) -> str:
    """The IBAN of a statement's account; MT940 often names it as BLZ/account number."""
    compact = account.replace(" ", "").upper()
    bank_code, slash, number = compact.partition("/")
    if slash and bank_code.isdigit() and len(bank_code) == 8 and number.isdigit():
        return str(IBAN.generate("DE", bank_code=bank_code, account_code=number.zfill(10)))
    return compact


def _texts(detail: TransactionDetail) -> str:
    return " ".join(
        part
        for part in (
            detail.creditor_reference,
            detail.end_to_end_id,
            detail.remittance_text,
            detail.raw_text,
        )
        if part
    )


def _named(detail: TransactionDetail, ledger: _Ledger) -> tuple[list[str], list[str]]:
    named = ledger.named.get(id(detail))
    if named is None:
        text = _texts(detail)
        named = (find_rf_references(text), find_kassenzeichen(text, kassenzeichen_scheme()))
        ledger.named[id(detail)] = named
    return named


def match_receivable(detail: TransactionDetail, ledger: _Ledger) -> int | None:
    """The receivable a payment names, or None when it names none or several."""
    rfs, numbers = _named(detail, ledger)
    candidates = {ledger.by_rf[reference] for reference in rfs if reference in ledger.by_rf}
    if not candidates:
        candidates = {
            ledger.by_kassenzeichen[number]
            for number in numbers
            if number in ledger.by_kassenzeichen
        }
    return candidates.pop() if len(candidates) == 1 else None


_SIMILAR = 0.6  # how alike the names must be for a suggestion


def _letters(name: str, ledger: _Ledger) -> tuple[int, Counter[str]]:
    found = ledger.letters.get(name)
    if found is None:
        found = ledger.letters[name] = (len(name), Counter(name))
    return found


def _in_common(letters: Counter[str], other: str) -> int:
    """How many letters two names share, counted with repeats: ``(letters & Counter(other))
    .total()``, without a Counter for each of the thousands of names compared."""
    left = dict(letters)
    common = 0
    for letter in other:
        count = left.get(letter)
        if count:
            left[letter] = count - 1
            common += 1
    return common


def suggest_receivable(detail: TransactionDetail, ledger: _Ledger) -> int | None:
    """Amount and name heuristics: only ever a suggestion for the clerk. The most similar name
    (difflib's ratio) among the receivables with the payment's amount open, the first by id of
    equals. Difflib's upper bounds of the ratio (the lengths, then the letters in common) are
    worked out first: a name that cannot reach the bar, or beat the best so far, is never
    compared letter by letter."""
    name = (detail.debtor_name or "").casefold()
    length, letters = _letters(name, ledger)
    best: tuple[float, int] | None = None
    for receivable_id, debtor_name in ledger.by_open.get(detail.amount_cents, ()):
        other = debtor_name.casefold()
        total = length + len(other)
        if total and any(
            bound < _SIMILAR or (best is not None and bound <= best[0])
            for bound in (
                2.0 * min(length, len(other)) / total,
                2.0 * _in_common(letters, other) / total,
            )
        ):
            continue
        score = SequenceMatcher(None, name, other).ratio()
        if best is None or score > best[0]:
            best = (score, receivable_id)
    return best[1] if best and best[0] >= _SIMILAR else None


_CHUNK = BULK_CHUNK  # values in one bulk read


def _ids_by(session: Session, column: Any, values: set[str]) -> dict[str, int]:
    """Receivable ids by the value of a unique reference column, for these values."""
    ordered = sorted(values)
    found: dict[str, int] = {}
    for start in range(0, len(ordered), _CHUNK):
        for receivable_id, value in rows_of(
            session,
            select(Receivable.id, column).where(
                any_of(session, column, ordered[start : start + _CHUNK])
            ),
        ):
            found[value] = receivable_id
    return found


def _open_by_amount(
    session: Session, amounts: set[int], journal: Batch
) -> dict[int, list[tuple[int, str]]]:
    """The receivables a suggestion may name, by their open cents: those the chunk holds (with
    their balances held) and those of the amounts no reference settled, with their balances in
    the same query. Read without holding them: a suggestion is a hint for the clerk, who
    decides."""
    by_open: dict[int, list[tuple[int, str]]] = {}
    ordered = sorted(amounts)
    for start in range(0, len(ordered), _CHUNK):
        rows = rows_of(
            session,
            select(
                Receivable.id,
                Receivable.debtor_name,
                Receivable.amount_cents,
                Receivable.closed_at,
                *balance_columns(),
            )
            .outerjoin(Booking, Booking.receivable_id == Receivable.id)
            .where(any_of(session, Receivable.amount_cents, ordered[start : start + _CHUNK]))
            .group_by(
                Receivable.id, Receivable.debtor_name, Receivable.amount_cents, Receivable.closed_at
            ),
        )
        for (
            receivable_id,
            debtor_name,
            amount_cents,
            closed_at,
            paid,
            written_off,
            cancelled,
        ) in rows:
            if receivable_id in journal.receivables:
                continue
            current = Balance(
                amount_cents, int(paid), int(written_off), int(cancelled), closed_at is not None
            )
            by_open.setdefault(current.open_cents, []).append((receivable_id, debtor_name))
    for receivable_id, held in journal.receivables.items():
        open_cents = journal.balance(receivable_id).open_cents
        by_open.setdefault(open_cents, []).append((receivable_id, held.debtor_name))
    for candidates in by_open.values():
        candidates.sort()
    return by_open


def _load_ledger(session: Session, details: list[TransactionDetail]) -> _Ledger:
    """The receivables these payments name, held and with their balances; and for the
    payments that name none, those whose amount they have (for suggestions). Never the whole
    table, and each payment's texts read once."""
    scheme = kassenzeichen_scheme()
    named: dict[int, tuple[list[str], list[str]]] = {}
    for detail in details:
        named[id(detail)] = (find_rf_references(_texts(detail)), [])
    by_rf = _ids_by(
        session, Receivable.rf_reference, {ref for rfs, _ in named.values() for ref in rfs}
    )
    numbers: set[str] = set()
    for detail in details:
        rfs, _ = named[id(detail)]
        if not any(reference in by_rf for reference in rfs):
            found = find_kassenzeichen(_texts(detail), scheme)
            named[id(detail)] = (rfs, found)
            numbers.update(found)
    by_kassenzeichen = _ids_by(session, Receivable.kassenzeichen, numbers)
    # Held until the import commits, in id order within the chunk (imports run one at a time,
    # see ``_one_import_at_a_time``): a closing or an online payment of the same receivable
    # waits, and what the ledger knows (closed, balances) stays true while it is booked.
    journal = Batch(session, ids=[*by_rf.values(), *by_kassenzeichen.values()])
    ledger = _Ledger(journal=journal, by_rf=by_rf, by_kassenzeichen=by_kassenzeichen, named=named)
    unmatched = {
        detail.amount_cents for detail in details if match_receivable(detail, ledger) is None
    }
    ledger.by_open = _open_by_amount(session, unmatched, journal)
    return ledger


def _clarify(
    ledger: _Ledger,
    reason: ClarificationReason,
    source_ref: str,
    detail: TransactionDetail,
    entry: Entry,
    statement_import: StatementImport,
    *,
    receivable_id: int | None = None,
    suggested: int | None = None,
    amount_cents: int | None = None,
) -> None:
    """A Klärungsfall, inserted with the statement's others (``_insert_clarifications``)."""
    ledger.clarifications.append(
        {
            "reason": reason.value,
            "state": ClarificationState.OPEN.value,
            "source_ref": source_ref,
            "statement_import_id": statement_import.id,
            "receivable_id": receivable_id,
            "suggested_receivable_id": suggested,
            "amount_cents": amount_cents if amount_cents is not None else detail.amount_cents,
            "credit": entry.credit != entry.reversal,
            "booking_date": entry.booking_date,
            "debtor_name": (detail.debtor_name or "")[:140] or None,
            "debtor_iban": detail.debtor_iban,
            "remittance": " ".join(filter(None, (detail.end_to_end_id, detail.remittance_text))),
            "created_at": utcnow(),
        }
    )


def _insert_clarifications(ledger: _Ledger) -> None:
    rows, ledger.clarifications = ledger.clarifications, []
    table: Table = Clarification.__table__  # type: ignore[assignment]
    for start in range(0, len(rows), 5000):
        ledger.session.execute(insert(table), rows[start : start + 5000])


def _book_incoming(
    ledger: _Ledger,
    detail: TransactionDetail,
    entry: Entry,
    source_ref: str,
    statement_import: StatementImport,
    result: ImportResult,
) -> None:
    receivable_id = match_receivable(detail, ledger)
    if receivable_id is None:
        _clarify(
            ledger,
            ClarificationReason.UNKNOWN_REFERENCE,
            source_ref,
            detail,
            entry,
            statement_import,
            suggested=suggest_receivable(detail, ledger),
        )
        result.clarifications += 1
        return
    before, after = ledger.book(
        receivable_id,
        BookingKind.PAYMENT,
        detail.amount_cents,
        source_ref,
        detail,
        f"Überweisung {detail.remittance_text}".strip(),
    )
    result.booked += 1
    result.booked_cents += detail.amount_cents
    reason = None
    if before.closed:
        reason = ClarificationReason.PAYMENT_ON_CLOSED
    elif before.open_cents <= 0:
        reason = ClarificationReason.DUPLICATE_PAYMENT
    elif after.open_cents < 0:
        reason = ClarificationReason.OVERPAYMENT
    elif after.open_cents > 0:
        reason = ClarificationReason.PARTIAL_PAYMENT
    if reason is not None:
        amount = (
            detail.amount_cents
            if reason
            in (ClarificationReason.DUPLICATE_PAYMENT, ClarificationReason.PAYMENT_ON_CLOSED)
            else abs(after.open_cents)
        )
        _clarify(
            ledger,
            reason,
            source_ref,
            detail,
            entry,
            statement_import,
            receivable_id=receivable_id,
            amount_cents=amount,
        )
        result.clarifications += 1


def _book_outgoing(
    ledger: _Ledger,
    detail: TransactionDetail,
    entry: Entry,
    source_ref: str,
    statement_import: StatementImport,
    result: ImportResult,
) -> None:
    """Money going back: a returned direct debit, a bank's reversal of an earlier credit."""
    receivable_id = match_receivable(detail, ledger)
    if (
        receivable_id is not None
        and ledger.journal.balance(receivable_id).paid_cents >= detail.amount_cents
    ):
        ledger.book(
            receivable_id,
            BookingKind.REVERSAL,
            -detail.amount_cents,
            source_ref,
            detail,
            f"Rückbuchung {detail.return_reason or ''}".strip(),
        )
        result.booked += 1
        result.booked_cents -= detail.amount_cents
    _clarify(
        ledger,
        ClarificationReason.RETURNED_DEBIT,
        source_ref,
        detail,
        entry,
        statement_import,
        receivable_id=receivable_id,
    )
    result.clarifications += 1


def _is_return(entry: Entry, detail: TransactionDetail) -> bool:
    return entry.reversal or detail.return_reason is not None


def _known(session: Session, statement: Statement) -> bool:
    return (
        session.scalar(
            select(StatementImport.id).where(
                StatementImport.account_iban == _account(statement.account_iban),
                StatementImport.statement_id == statement.statement_id,
            )
        )
        is not None
    )


def _claim(
    session: Session, statement: Statement, filename: str | None, imported_by: str | None
) -> StatementImport | None:
    """Record the statement as imported, or None when it was (also by a parallel import: the
    unique constraint decides). Its entries are counted as they are booked."""
    account = _account(statement.account_iban)
    if _known(session, statement):
        return None
    claimed = insert_once(
        session,
        StatementImport,
        {
            "account_iban": account,
            "statement_id": statement.statement_id,
            "source_format": statement.source_format,
            "filename": filename,
            "imported_by": imported_by,
            "entries": 0,
            "imported_at": utcnow(),
            "booked": 0,
            "clarifications": 0,
        },
        ("account_iban", "statement_id"),
    )
    return session.get(StatementImport, claimed) if claimed is not None else None


def _chunks(entries: Iterator[Entry]) -> Iterator[list[Entry]]:
    while chunk := list(islice(entries, _CHUNK)):
        yield chunk


def _import_statement(
    session: Session,
    entries: Iterator[Entry],
    statement_import: StatementImport,
    imported_by: str | None,
    result: ImportResult,
) -> None:
    before_entries, before_booked, before_clarified = (
        result.entries,
        result.booked,
        result.clarifications,
    )
    for chunk in _chunks(entries):
        _import_chunk(session, chunk, statement_import, result)
    statement_import.entries = result.entries - before_entries
    statement_import.booked = result.booked - before_booked
    statement_import.clarifications = result.clarifications - before_clarified
    result.statements += 1
    result.import_ids.append(statement_import.id)
    audit.record(
        imported_by or "system",
        "payments.statement.import",
        "statement_import",
        statement_import.id,
        f"{result.booked} booked",
    )


def _import_chunk(
    session: Session,
    entries: list[Entry],
    statement_import: StatementImport,
    result: ImportResult,
) -> None:
    """Book a chunk of a statement's entries: read what they name in bulk, book, then write
    the chunk's bookings and Klärungsfälle together."""
    account = statement_import.account_iban
    payments: list[tuple[Entry, TransactionDetail, str]] = []
    for entry in entries:
        result.entries += 1
        if entry.status != "BOOK":
            result.ignored += 1
            continue
        for index, detail in enumerate(entry.details):
            payments.append((entry, detail, f"bank:{account}:{entry.entry_ref}:{index}"))
    ledger = _load_ledger(session, [detail for _entry, detail, _ref in payments])
    refs = [source_ref for _entry, _detail, source_ref in payments]
    # Entries can appear again in a corrected or overlapping statement: each books once.
    done = ledger.journal.booked_before(BookingSource.BANK, refs)
    for start in range(0, len(refs), _CHUNK):
        done |= {
            source_ref
            for (source_ref,) in rows_of(
                session,
                select(Clarification.source_ref).where(
                    any_of(session, Clarification.source_ref, refs[start : start + _CHUNK])
                ),
            )
        }
    for entry, detail, source_ref in payments:
        if source_ref in done:
            continue
        done.add(source_ref)
        money_in = entry.credit != entry.reversal
        if money_in and not _is_return(entry, detail):
            _book_incoming(ledger, detail, entry, source_ref, statement_import, result)
        elif _is_return(entry, detail):
            _book_outgoing(ledger, detail, entry, source_ref, statement_import, result)
        else:
            result.ignored += 1  # the city's own payments are not receivables
    _insert_clarifications(ledger)
    # Written now, inside the import's transaction: the next chunk's queries see them.
    ledger.journal.flush()


# Any fixed number, the same in every process: the key of the imports' advisory lock.
_IMPORT_LOCK = zlib.crc32(b"payments.statement_import")


def _one_import_at_a_time(session: Session) -> None:
    """Wait for an import that is running. Each chunk holds its receivables in id order, but
    two imports in parallel could hold them in crossing orders across chunks and deadlock; a
    parallel upload of the same statement waits here and then finds it imported. SQLite runs
    one writer at a time anyway (the claim takes its write lock)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_IMPORT_LOCK)))


def _import(
    stream: StatementStream, *, filename: str | None, imported_by: str | None
) -> ImportResult:
    city_account = _account(current_app.config["PAYEE_IBAN"])
    result = ImportResult()
    with db.transaction() as session:
        _one_import_at_a_time(session)
        for statement, entries in stream:
            if _account(statement.account_iban) != city_account:
                raise ForeignStatement(
                    f"the statement {statement.statement_id} is for account "
                    f"{statement.account_iban}, not the city's account {city_account}"
                )
            # Claimed before anything is read for booking: on SQLite the first write takes
            # the write lock. A statement imported before: its entries are not even read.
            statement_import = _claim(session, statement, filename, imported_by)
            if statement_import is None:
                result.already_imported += 1
                continue
            _import_statement(session, entries, statement_import, imported_by, result)
        session.flush()
    log.info(
        "statement imported",
        extra={
            "file": filename,
            "statements": result.statements,
            "entries": result.entries,
            "booked": result.booked,
            "clarifications": result.clarifications,
            "already_imported": result.already_imported,
            "by": imported_by,
        },
    )
    return result


def import_statements(
    statements: Iterable[Statement], *, filename: str | None = None, imported_by: str | None = None
) -> ImportResult:
    """Book statements read before (or built in code); see ``import_statement_file``."""
    return _import(StatementStream.of(list(statements)), filename=filename, imported_by=imported_by)


def import_statement_file(
    data: bytes, *, filename: str | None = None, imported_by: str | None = None
) -> ImportResult:
    """Book a camt.053 or MT940 file as it is read, in one transaction: a file that cannot be
    read to its end books nothing (``StatementError``), nor one with a statement of another
    account (``ForeignStatement``)."""
    return _import(
        stream_statement_file(data, filename), filename=filename, imported_by=imported_by
    )
