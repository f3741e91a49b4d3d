"""Booking bank statements: every incoming transfer is matched to its receivable and booked.

Matching order, for each payment in each entry of the statement:
1. an ISO 11649 RF creditor reference (structured remittance, or written in the text);
2. a Kassenzeichen anywhere in the EndToEndId or the remittance text (spaces, dots and dashes
   tolerated, check digit verified);
3. nothing certain: a Klärungsfall for the cash office, with a suggestion from amount and name.

A payment with the end-to-end id of one of the city's own direct debits (``LAST-<id>``, see
``direct_debits``) is that collection's receivable, unless its texts name another receivable (then
the cash office decides). Its credit marks the collection ``collected``; its return
(Rücklastschrift: a debit with a return reason, a reversal, or simply the city's end-to-end id
going out again) marks it ``returned`` with the reason code, reverses the collected money so the
receivable is open again, makes the mandate unusable where the reason says so, tells the citizen
by mail (``debit_returns``) and the cash office in a Klärungsfall. Each of these happens once per
collection, however many statements report the return: the collection's state changes by a
conditional update, and the reversal is booked under the collection's own reference
(``direct-debit:<id>:returned``), which the journal keeps unique.

A matched payment is booked even when it does not fit (partial, too much, twice): the money is
there and the journal says so; the cash office is told in a Klärungsfall. Returned direct debits
and reversals of credits book the money out again; a reversal of a debit (MT940 ``RD``) and a
returned credit transfer bring money in and are booked as incoming. A statement, and every entry
in it, books once, however often the file is imported. A file that cannot be read books nothing.

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

import gc
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import islice
from typing import Any

from flask import current_app
from schwifty import IBAN
from sqlalchemy import Table, func, select, update
from sqlalchemy.orm import Session

from server.audit import log as audit
from server.db import BULK_CHUNK, insert_once, utcnow
from server.extensions import db
from server.logs import get_logger
from server.payments import debit_returns
from server.payments.bulk import any_of, insert_rows, rows_of
from server.payments.journal import Balance, Batch, balance_columns
from server.payments.models import (
    Booking,
    BookingKind,
    BookingSource,
    Clarification,
    ClarificationReason,
    ClarificationState,
    DirectDebit,
    DirectDebitState,
    Receivable,
    RefundReturn,
    SepaMandate,
    StatementImport,
)
from server.payments.receivables import kassenzeichen_scheme
from server.payments.references import find_kassenzeichen, find_rf_references
from server.payments.refund_returns import ReturnedTransfer, refund_named, take_back
from server.payments.return_reasons import reason_in_text
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
    # Refunds whose credit transfer the payee's bank returned: they wait for an account again.
    refunds_returned: int = 0
    import_ids: list[int] = field(default_factory=list)


@dataclass
class _Debit:
    """One of the city's collections a statement names by its end-to-end id."""

    id: int
    receivable_id: int
    mandate_id: int
    amount_cents: int
    state: str


# The end-to-end id the pain.008 file gives each collection (``direct_debits``); at most nine
# digits, so that no id read from a bank's file overflows the database's integer.
_DEBIT_END_TO_END = re.compile(r"LAST-([1-9][0-9]{0,8})")


def _debit_id(detail: TransactionDetail) -> int | None:
    end_to_end_id = detail.end_to_end_id
    if not end_to_end_id:  # most transfers: asked several times per payment (issue 17)
        return None
    found = _DEBIT_END_TO_END.fullmatch(end_to_end_id)
    return int(found.group(1)) if found else None


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
    clarifications: list[tuple[object, ...]] = field(default_factory=list)
    # The city's collections the payments name by end-to-end id, by id.
    debits: dict[int, _Debit] = field(default_factory=dict)
    # The receivable each payment names (by ``id`` of the detail), or None: worked out once,
    # what it is matched against does not change while the chunk is booked.
    matched: dict[int, int | None] = field(default_factory=dict)

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
        counterparty: tuple[str | None, str | None] | None = None,
    ) -> tuple[Balance, Balance]:
        name, iban = counterparty or (detail.debtor_name, detail.debtor_iban)
        booked = self.journal.book(
            receivable_id=receivable_id,
            kind=kind,
            amount_cents=amount_cents,
            source=BookingSource.BANK,
            source_ref=source_ref,
            note=note[:500],
            counterparty_name=(name or "")[:140] or None,
            counterparty_iban=iban,
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
        filter(
            None,
            (
                detail.creditor_reference,
                detail.end_to_end_id,
                detail.remittance_text,
                detail.raw_text,
            ),
        )
    )


def _named(detail: TransactionDetail, ledger: _Ledger) -> tuple[list[str], list[str]]:
    named = ledger.named.get(id(detail))
    if named is None:
        text = _texts(detail)
        named = (find_rf_references(text), find_kassenzeichen(text, kassenzeichen_scheme()))
        ledger.named[id(detail)] = named
    return named


def debit_of(detail: TransactionDetail, ledger: _Ledger) -> _Debit | None:
    """The city's collection a payment names by its end-to-end id, if the city knows it."""
    debit_id = _debit_id(detail)
    return None if debit_id is None else ledger.debits.get(debit_id)


def match_receivable(detail: TransactionDetail, ledger: _Ledger) -> int | None:
    """The receivable a payment names, or None when it names none or several. A collection's
    end-to-end id names its receivable, unless the texts name another one."""
    key = id(detail)
    if key in ledger.matched:
        return ledger.matched[key]
    found = _match(detail, ledger)
    ledger.matched[key] = found
    return found


def _match(detail: TransactionDetail, ledger: _Ledger) -> int | None:
    rfs, numbers = _named(detail, ledger)
    candidates = {ledger.by_rf[reference] for reference in rfs if reference in ledger.by_rf}
    if not candidates:
        candidates = {
            ledger.by_kassenzeichen[number]
            for number in numbers
            if number in ledger.by_kassenzeichen
        }
    debit = debit_of(detail, ledger)
    if debit is not None:
        return debit.receivable_id if candidates <= {debit.receivable_id} else None
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
    decides. Only the open cents of these amounts are asked for (a suggestion looks up the
    payment's amount), so only their lists are kept and sorted."""
    by_open: dict[int, list[tuple[int, str]]] = {}
    held = journal.receivables
    ordered = sorted(amounts)
    for start in range(0, len(ordered), _CHUNK):
        rows = rows_of(
            session,
            select(
                Receivable.id,
                Receivable.debtor_name,
                Receivable.amount_cents,
                *balance_columns(),
            )
            .outerjoin(Booking, Booking.receivable_id == Receivable.id)
            .where(any_of(session, Receivable.amount_cents, ordered[start : start + _CHUNK]))
            .group_by(Receivable.id, Receivable.debtor_name, Receivable.amount_cents),
        )
        for (
            receivable_id,
            debtor_name,
            amount_cents,
            paid,
            written_off,
            cancelled,
        ) in rows:
            # Balance.open_cents, without a Balance for each of the thousands of rows.
            open_cents = amount_cents - int(paid) - int(written_off) - int(cancelled)
            if open_cents in amounts and receivable_id not in held:
                by_open.setdefault(open_cents, []).append((receivable_id, debtor_name))
    for receivable_id, receivable in held.items():
        open_cents = journal.balance(receivable_id).open_cents
        if open_cents in amounts:
            by_open.setdefault(open_cents, []).append((receivable_id, receivable.debtor_name))
    for candidates in by_open.values():
        candidates.sort()
    return by_open


def _debits(session: Session, ids: set[int]) -> dict[int, _Debit]:
    ordered = sorted(ids)
    found: dict[int, _Debit] = {}
    for start in range(0, len(ordered), _CHUNK):
        for row in rows_of(
            session,
            select(
                DirectDebit.id,
                DirectDebit.receivable_id,
                DirectDebit.mandate_id,
                DirectDebit.amount_cents,
                DirectDebit.state,
            ).where(any_of(session, DirectDebit.id, ordered[start : start + _CHUNK])),
        ):
            found[row[0]] = _Debit(*row)
    return found


def _load_ledger(session: Session, details: list[TransactionDetail]) -> _Ledger:
    """The receivables these payments name, held and with their balances; and for the
    payments that name none, those whose amount they have (for suggestions). Never the whole
    table, and each payment's texts read once."""
    scheme = kassenzeichen_scheme()
    named: dict[int, tuple[list[str], list[str]]] = {}
    read: list[tuple[TransactionDetail, str, list[str]]] = []
    for detail in details:
        text = _texts(detail)
        rfs = find_rf_references(text)
        named[id(detail)] = (rfs, [])
        read.append((detail, text, rfs))
    by_rf = _ids_by(
        session, Receivable.rf_reference, {ref for rfs, _ in named.values() for ref in rfs}
    )
    numbers: set[str] = set()
    for detail, text, rfs in read:
        if not any(reference in by_rf for reference in rfs):
            found = find_kassenzeichen(text, scheme)
            named[id(detail)] = (rfs, found)
            numbers.update(found)
    by_kassenzeichen = _ids_by(session, Receivable.kassenzeichen, numbers)
    debits = _debits(
        session, {debit_id for detail in details if (debit_id := _debit_id(detail)) is not None}
    )
    # Held until the import commits, in id order within the chunk (imports run one at a time,
    # see ``_one_import_at_a_time``): a closing or an online payment of the same receivable
    # waits, and what the ledger knows (closed, balances) stays true while it is booked.
    journal = Batch(
        session,
        ids=[
            *by_rf.values(),
            *by_kassenzeichen.values(),
            *(debit.receivable_id for debit in debits.values()),
        ],
    )
    ledger = _Ledger(
        journal=journal,
        by_rf=by_rf,
        by_kassenzeichen=by_kassenzeichen,
        named=named,
        debits=debits,
    )
    unmatched = {
        detail.amount_cents for detail in details if match_receivable(detail, ledger) is None
    }
    ledger.by_open = _open_by_amount(session, unmatched, journal)
    return ledger


def _counterparty(entry: Entry, detail: TransactionDetail) -> tuple[str | None, str | None]:
    """Whom the money came from or went to, by name and IBAN. Money in with a return reason is
    one of the city's own transfers coming back: the bank names the original transfer's
    parties, and the other side is its creditor (camt.053 ``RltdPties/Cdtr``), the payee whose
    bank returned it. Otherwise the debtor: the payer of money in, the debtor of a returned
    collection."""
    if entry.credit and detail.return_reason is not None and detail.creditor_iban:
        return detail.creditor_name, detail.creditor_iban
    return detail.debtor_name, detail.debtor_iban


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
    note: str = "",
    return_reason: str | None = None,
) -> None:
    """A Klärungsfall, inserted with the statement's others (``_insert_clarifications``)."""
    name, iban = _counterparty(entry, detail)
    # In the order of _CLARIFICATION_COLUMNS.
    ledger.clarifications.append(
        (
            reason.value,
            ClarificationState.OPEN.value,
            source_ref,
            statement_import.id,
            receivable_id,
            suggested,
            amount_cents if amount_cents is not None else detail.amount_cents,
            # The entry's own direction: a reversal (Storno) of a credit is a debit (camt.053
            # DBIT with RvslInd, MT940 RC), and money went out.
            entry.credit,
            entry.booking_date,
            (name or "")[:140] or None,
            iban,
            " ".join(filter(None, (note, detail.end_to_end_id, detail.remittance_text))),
            (return_reason or detail.return_reason or "")[:35] or None,
            utcnow(),
        )
    )


_CLARIFICATION_COLUMNS = (
    "reason",
    "state",
    "source_ref",
    "statement_import_id",
    "receivable_id",
    "suggested_receivable_id",
    "amount_cents",
    "credit",
    "booking_date",
    "debtor_name",
    "debtor_iban",
    "remittance",
    "return_reason",
    "created_at",
)


def _insert_clarifications(ledger: _Ledger) -> None:
    rows, ledger.clarifications = ledger.clarifications, []
    table: Table = Clarification.__table__  # type: ignore[assignment]
    for start in range(0, len(rows), 5000):
        insert_rows(ledger.session, table, _CLARIFICATION_COLUMNS, rows[start : start + 5000])


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
    debit = debit_of(detail, ledger)
    if debit is not None and debit.receivable_id != receivable_id:
        debit = None
    before, after = ledger.book(
        receivable_id,
        BookingKind.PAYMENT,
        detail.amount_cents,
        source_ref,
        detail,
        f"{'Lastschrift' if debit else 'Überweisung'} {detail.remittance_text}".strip(),
        _counterparty(entry, detail),
    )
    result.booked += 1
    result.booked_cents += detail.amount_cents
    if debit is not None:
        _collected(ledger, debit, detail, result)
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


def _collection_reversal_ref(debit: _Debit) -> str:
    """The reversal of a returned collection is booked under the collection's own reference:
    once, however many statements report the return (the journal's unique constraint)."""
    return f"direct-debit:{debit.id}:returned"


def _reverse_collection(
    ledger: _Ledger,
    debit: _Debit,
    detail: TransactionDetail,
    amount_cents: int,
    reason: str | None = None,
) -> bool:
    """Book the collected money out again, if it was booked in and not reversed before."""
    if ledger.journal.balance(debit.receivable_id).paid_cents < amount_cents:
        return False  # the collection's credit is not booked (yet): nothing to reverse
    booked = ledger.journal.book(
        receivable_id=debit.receivable_id,
        kind=BookingKind.REVERSAL,
        amount_cents=-amount_cents,
        source=BookingSource.BANK,
        source_ref=_collection_reversal_ref(debit),
        note=f"Rücklastschrift LAST-{debit.id} {reason or ''}".strip(),
        counterparty_name=(detail.debtor_name or "")[:140] or None,
        counterparty_iban=detail.debtor_iban,
    )
    return booked is not None


def _collected(
    ledger: _Ledger, debit: _Debit, detail: TransactionDetail, result: ImportResult
) -> None:
    """The bank credited one of the city's collections."""
    if debit.state == DirectDebitState.RETURNED.value:
        # The return was read first (statements imported out of order): the money came in and
        # went back again, and the receivable stays open.
        if _reverse_collection(ledger, debit, detail, debit.amount_cents):
            result.booked += 1
            result.booked_cents -= debit.amount_cents
        return
    changed = ledger.session.execute(
        update(DirectDebit)
        .where(
            DirectDebit.id == debit.id,
            DirectDebit.state.in_(
                (DirectDebitState.REQUESTED.value, DirectDebitState.EXPORTED.value)
            ),
        )
        .values(state=DirectDebitState.COLLECTED.value, collected_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if getattr(changed, "rowcount", 0):
        debit.state = DirectDebitState.COLLECTED.value


def _book_debit_return(
    ledger: _Ledger,
    debit: _Debit,
    detail: TransactionDetail,
    entry: Entry,
    source_ref: str,
    statement_import: StatementImport,
    result: ImportResult,
) -> None:
    """A Rücklastschrift of one of the city's collections: the collection is returned (once,
    by a conditional update), its money reversed, the mandate unusable where the reason says
    so, the citizen told; the cash office gets a Klärungsfall either way."""
    session = ledger.session
    # MT940 has no field for the reason: the bank writes it into the purpose text.
    found = detail.return_reason or reason_in_text(_texts(detail))
    reason = found[:35] if found else None
    now = utcnow()
    changed = session.execute(
        update(DirectDebit)
        .where(
            DirectDebit.id == debit.id,
            DirectDebit.state != DirectDebitState.RETURNED.value,
        )
        .values(state=DirectDebitState.RETURNED.value, returned_at=now, return_reason=reason)
        .execution_options(synchronize_session=False)
    )
    first = bool(getattr(changed, "rowcount", 0))
    debit.state = DirectDebitState.RETURNED.value
    notes = []
    if first:
        # The bank may add its return fee to the amount taken back: the receivable loses what
        # was collected, the fee is the cash office's to decide.
        amount = min(detail.amount_cents, debit.amount_cents)
        if _reverse_collection(ledger, debit, detail, amount, reason):
            result.booked += 1
            result.booked_cents -= amount
        else:
            # Its credit is not booked (yet), or less is paid than it collected (refunded or
            # closed since): the cash office decides what the money taken back means.
            notes.append(f"LAST-{debit.id}: nichts zurückgebucht, bitte Forderung prüfen")
        if detail.amount_cents > debit.amount_cents:
            fee = detail.amount_cents - debit.amount_cents
            notes.append(f"davon Rücklastschriftentgelt {fee // 100},{fee % 100:02d} EUR")
        if debit_returns.revokes_mandate(reason):
            session.execute(
                update(SepaMandate)
                .where(SepaMandate.id == debit.mandate_id, SepaMandate.revoked_at.is_(None))
                .values(revoked_at=now, revoked_reason=reason)
                .execution_options(synchronize_session=False)
            )
            # Its collections not sent yet would only come back too (another return fee): the
            # receivables stay open, to be paid like any other.
            session.execute(
                update(DirectDebit)
                .where(
                    DirectDebit.mandate_id == debit.mandate_id,
                    DirectDebit.state == DirectDebitState.REQUESTED.value,
                )
                .values(state=DirectDebitState.CANCELLED.value)
                .execution_options(synchronize_session=False)
            )
            notes.append("Mandat gesperrt")
        balance = ledger.journal.balance(debit.receivable_id)
        if balance.open_cents > 0 and not balance.closed:
            receivable = session.get(Receivable, debit.receivable_id)
            assert receivable is not None  # held by the journal batch
            debit_returns.tell_debit_returned(
                session,
                receivable,
                debit_id=debit.id,
                amount_cents=debit.amount_cents,
                reason=reason,
                open_cents=balance.open_cents,
            )
    else:
        notes.append(f"LAST-{debit.id} war schon zurückgegeben, nichts gebucht")
    _clarify(
        ledger,
        ClarificationReason.RETURNED_DEBIT,
        source_ref,
        detail,
        entry,
        statement_import,
        receivable_id=debit.receivable_id,
        note=f"Rücklastschrift ({'; '.join(notes)}):" if notes else "Rücklastschrift:",
        return_reason=reason,
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
    debit = debit_of(detail, ledger)
    money_out = not entry.credit
    if debit is not None and money_out and receivable_id == debit.receivable_id:
        _book_debit_return(ledger, debit, detail, entry, source_ref, statement_import, result)
        return
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


# Bank transaction codes of a returned direct debit: ISO sub-family UPDD (unpaid direct
# debit), or the German Geschäftsvorfallcodes 108/109 (SEPA-Rücklastschrift) in the
# proprietary code (``NRTI+109+00931``; MT940: ``N005+109+931``).
_RETURN_CODE = re.compile(r"[A-Z]{4}-[A-Z]{4}-UPDD|N[A-Z0-9]{3}\+10[89](?:\+.*)?")


def _is_return(entry: Entry, detail: TransactionDetail) -> bool:
    # Money in is never booked out: a reversal of a debit (MT940 RD, camt.053 CRDT with
    # RvslInd) brings money back, and so does a credit transfer of the city's that the payee's
    # bank returned (a credit with a return reason). Both are incoming money, booked and
    # clarified as such.
    if entry.credit:
        return False
    if entry.reversal or detail.return_reason is not None:
        return True
    # Money out under the city's own collection reference, or coded as a returned debit: a
    # return without a reason code, never taken for one of the city's own payments.
    return _debit_id(detail) is not None or bool(
        _RETURN_CODE.fullmatch(entry.bank_transaction_code or "")
    )


def _refund_came_back(
    session: Session,
    detail: TransactionDetail,
    source_ref: str,
    statement_import: StatementImport,
    result: ImportResult,
) -> bool:
    """A credit that is one of the city's refund transfers coming back: the refund waits for
    an account again (``refund_returns``), nothing is booked."""
    refund_id = refund_named(detail.end_to_end_id)
    if refund_id is None:
        return False
    taken = take_back(
        session,
        ReturnedTransfer(
            refund_id=refund_id,
            amount_cents=detail.amount_cents,
            source_ref=source_ref,
            return_reason=detail.return_reason or reason_in_text(_texts(detail)),
            statement_import_id=statement_import.id,
        ),
    )
    if taken is None:
        return False
    result.refunds_returned += 1
    return True


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
        for column in (Clarification.source_ref, RefundReturn.source_ref):
            done |= {
                source_ref
                for (source_ref,) in rows_of(
                    session,
                    select(column).where(any_of(session, column, refs[start : start + _CHUNK])),
                )
            }
    for entry, detail, source_ref in payments:
        if source_ref in done:
            continue
        done.add(source_ref)
        if _is_return(entry, detail):
            _book_outgoing(ledger, detail, entry, source_ref, statement_import, result)
        elif entry.credit:
            if not _refund_came_back(session, detail, source_ref, statement_import, result):
                _book_incoming(ledger, detail, entry, source_ref, statement_import, result)
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


@contextmanager
def _collector_spares_older_objects() -> Iterator[None]:
    """Keep Python's cycle collector off the objects that were there before the import.

    Each chunk's entries, rows and bookings (hundreds of thousands of objects) live until the
    chunk is booked, so the collector promotes them to its oldest generation, and every few
    ten thousand of them it goes through all objects of the process: the application's few
    hundred thousand, twenty times a file (issue 17: a quarter of the import's time). Frozen,
    they are left out until the import ends; what is garbage among them is collected after.
    A process that froze its objects itself (a server preloading its application) is left as
    it is."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _import(
    stream: StatementStream, *, filename: str | None, imported_by: str | None
) -> ImportResult:
    city_account = _account(current_app.config["PAYEE_IBAN"])
    result = ImportResult()
    with _collector_spares_older_objects(), db.transaction() as session:
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
