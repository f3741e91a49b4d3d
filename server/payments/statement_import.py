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
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from flask import current_app
from schwifty import IBAN
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.audit import log as audit
from server.db import insert_once, utcnow
from server.extensions import db
from server.logs import get_logger
from server.payments.journal import Balance, Batch
from server.payments.models import (
    BookingKind,
    BookingSource,
    Clarification,
    ClarificationReason,
    Receivable,
    StatementImport,
)
from server.payments.receivables import kassenzeichen_scheme
from server.payments.references import find_kassenzeichen, find_rf_references
from server.payments.statements.detect import parse_statement_file
from server.payments.statements.model import Entry, Statement, StatementError, TransactionDetail

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
    by_open: dict[int, set[int]] = field(default_factory=dict)

    @property
    def session(self) -> Session:
        return self.journal.session

    @property
    def receivables(self) -> dict[int, Receivable]:
        return self.journal.receivables

    def __post_init__(self) -> None:
        for receivable_id, receivable in self.receivables.items():
            current = self.journal.balance(receivable)
            self.by_open.setdefault(current.open_cents, set()).add(receivable_id)

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
            receivable=self.receivables[receivable_id],
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


def match_receivable(detail: TransactionDetail, ledger: _Ledger) -> int | None:
    """The receivable a payment names, or None when it names none or several."""
    candidates: set[int] = set()
    for reference in find_rf_references(_texts(detail)):
        if reference in ledger.by_rf:
            candidates.add(ledger.by_rf[reference])
    if not candidates:
        for kassenzeichen in find_kassenzeichen(_texts(detail), kassenzeichen_scheme()):
            if kassenzeichen in ledger.by_kassenzeichen:
                candidates.add(ledger.by_kassenzeichen[kassenzeichen])
    return candidates.pop() if len(candidates) == 1 else None


def suggest_receivable(detail: TransactionDetail, ledger: _Ledger) -> int | None:
    """Amount and name heuristics: only ever a suggestion for the clerk."""
    best: tuple[float, int] | None = None
    for receivable_id in sorted(ledger.by_open.get(detail.amount_cents, ())):
        receivable = ledger.receivables[receivable_id]
        score = SequenceMatcher(
            None, (detail.debtor_name or "").casefold(), receivable.debtor_name.casefold()
        ).ratio()
        if best is None or score > best[0]:
            best = (score, receivable_id)
    return best[1] if best and best[0] >= 0.6 else None


def _load_ledger(session: Session, statements: list[Statement]) -> _Ledger:
    """The receivables these statements can concern, with their balances: those they name, and
    those whose amount a payment has (for suggestions). Never the whole table."""
    scheme = kassenzeichen_scheme()
    rfs: set[str] = set()
    numbers: set[str] = set()
    amounts: set[int] = set()
    for statement in statements:
        for entry in statement.entries:
            for detail in entry.details:
                text = _texts(detail)
                rfs.update(find_rf_references(text))
                numbers.update(find_kassenzeichen(text, scheme))
                amounts.add(detail.amount_cents)
    receivables: dict[int, Receivable] = {}
    for column, values in (
        (Receivable.rf_reference, rfs),
        (Receivable.kassenzeichen, numbers),
        (Receivable.amount_cents, amounts),
    ):
        ordered = sorted(values)
        for start in range(0, len(ordered), 500):
            for receivable in session.scalars(
                select(Receivable).where(column.in_(ordered[start : start + 500]))
            ):
                receivables[receivable.id] = receivable
    # Held until the import commits, in one order for every transaction (no deadlocks): a
    # closing or an online payment of the same receivable waits, and what the ledger knows
    # (closed, balances) stays true while the statement is booked.
    journal = Batch(session, receivables.values())
    return _Ledger(
        journal=journal,
        by_rf={r.rf_reference: rid for rid, r in journal.receivables.items()},
        by_kassenzeichen={r.kassenzeichen: rid for rid, r in journal.receivables.items()},
    )


def _clarify(
    session: Session,
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
    session.add(
        Clarification(
            reason=reason.value,
            source_ref=source_ref,
            statement_import_id=statement_import.id,
            receivable_id=receivable_id,
            suggested_receivable_id=suggested,
            amount_cents=amount_cents if amount_cents is not None else detail.amount_cents,
            credit=entry.credit != entry.reversal,
            booking_date=entry.booking_date,
            debtor_name=(detail.debtor_name or "")[:140] or None,
            debtor_iban=detail.debtor_iban,
            remittance=" ".join(filter(None, (detail.end_to_end_id, detail.remittance_text))),
        )
    )


def _book_incoming(
    ledger: _Ledger,
    detail: TransactionDetail,
    entry: Entry,
    source_ref: str,
    statement_import: StatementImport,
    result: ImportResult,
) -> None:
    session = ledger.session
    receivable_id = match_receivable(detail, ledger)
    if receivable_id is None:
        _clarify(
            session,
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
            session,
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
        and ledger.journal.balance(ledger.receivables[receivable_id]).paid_cents
        >= detail.amount_cents
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
        ledger.session,
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
    unique constraint decides)."""
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
            "entries": len(statement.entries),
            "imported_at": utcnow(),
            "booked": 0,
            "clarifications": 0,
        },
        ("account_iban", "statement_id"),
    )
    return session.get(StatementImport, claimed) if claimed is not None else None


def _import_statement(
    statement: Statement,
    statement_import: StatementImport,
    imported_by: str | None,
    ledger: _Ledger,
    result: ImportResult,
) -> None:
    account = statement_import.account_iban
    refs = [
        f"bank:{account}:{entry.entry_ref}:{index}"
        for entry in statement.entries
        for index in range(len(entry.details))
    ]
    # Entries can appear again in a corrected or overlapping statement: each books once.
    done = ledger.journal.booked_before(BookingSource.BANK, refs)
    for chunk_start in range(0, len(refs), 500):
        chunk = refs[chunk_start : chunk_start + 500]
        done |= set(
            ledger.session.scalars(
                select(Clarification.source_ref).where(Clarification.source_ref.in_(chunk))
            )
        )
    before_booked, before_clarified = result.booked, result.clarifications
    for entry in statement.entries:
        result.entries += 1
        if entry.status != "BOOK":
            result.ignored += 1
            continue
        for index, detail in enumerate(entry.details):
            source_ref = f"bank:{account}:{entry.entry_ref}:{index}"
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


def import_statements(
    statements: Iterable[Statement], *, filename: str | None = None, imported_by: str | None = None
) -> ImportResult:
    statements = list(statements)
    city_account = _account(current_app.config["PAYEE_IBAN"])
    for statement in statements:
        if _account(statement.account_iban) != city_account:
            raise ForeignStatement(
                f"the statement {statement.statement_id} is for account "
                f"{statement.account_iban}, not the city's account {city_account}"
            )
    result = ImportResult()
    with db.transaction() as session:
        # Claimed before anything is read for booking: on SQLite the first write takes the
        # write lock, on PostgreSQL a parallel import of the same statement waits here.
        claimed = [
            (statement, statement_import)
            for statement in statements
            if (statement_import := _claim(session, statement, filename, imported_by))
        ]
        result.already_imported = len(statements) - len(claimed)
        ledger = _load_ledger(session, [statement for statement, _ in claimed])
        for statement, statement_import in claimed:
            _import_statement(statement, statement_import, imported_by, ledger, result)
        session.flush()
        ledger.journal.flush()
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


def import_statement_file(
    data: bytes, *, filename: str | None = None, imported_by: str | None = None
) -> ImportResult:
    """Parse the whole file first: a file that cannot be read books nothing."""
    return import_statements(
        parse_statement_file(data, filename), filename=filename, imported_by=imported_by
    )
