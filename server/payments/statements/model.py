"""The bank statement as the portal sees it, whatever file format the bank delivered.

A *Kontoauszug* (bank statement) lists the *Umsätze* (entries, bookings) of one account for a
period, between an opening and a closing balance. One entry is one booking on the account; a
*Sammler* (batch) entry books several payments at once and then carries one
``TransactionDetail`` per payment. Every entry the parsers return has at least one detail, so
code that looks for payment references only needs to look at details.

Amounts are integer cents. Amounts in entries and details are positive; the direction is
``Entry.credit`` (*Gutschrift*, money in) versus a debit (*Lastschrift*, money out). Balances are
signed: negative means the account is overdrawn. Banks sometimes list bookings of 0.00 (an
account closing without fees); they move no money and the parsers leave them out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation


class StatementError(ValueError):
    """A bank statement file the portal cannot read, with the place that made it fail.

    ``line`` is the 1-based line in the file and ``element`` the XML element name (``"Amt"``)
    or the MT940 field tag (``":61:"``); either may be ``None`` when no place applies (an empty
    file). ``reason`` is the message without the place; ``str(error)`` names both, e.g.
    ``camt.053, line 57, <Amt>: amount '12.345' has more than two decimals`` or
    ``MT940, line 5, field 61: amount '35,005' has more than two decimals``.
    """

    def __init__(
        self,
        reason: str,
        *,
        source: str | None = None,
        line: int | None = None,
        element: str | None = None,
    ) -> None:
        self.reason = reason
        self.source = source
        self.line = line
        self.element = element
        super().__init__(self._describe())

    def _describe(self) -> str:
        place = [part for part in (self.source, self._line_text(), self._element_text()) if part]
        return f"{', '.join(place)}: {self.reason}" if place else self.reason

    def _line_text(self) -> str | None:
        return None if self.line is None else f"line {self.line}"

    def _element_text(self) -> str | None:
        if self.element is None:
            return None
        # An MT940 tag ":61:" reads as "field 61" (the colons would clash with the one that
        # ends the place); XML names read best in brackets.
        if self.element.startswith(":"):
            return f"field {self.element.strip(':')}"
        return f"<{self.element}>"


@dataclass(frozen=True, slots=True)
class TransactionDetail:
    """One payment inside an entry (camt.053 ``TxDtls``; in MT940 the ``:86:`` field).

    ``end_to_end_id`` is the payer's SEPA *End-to-End-Referenz* (``None`` when the payer gave
    none, which banks write as ``NOTPROVIDED``). ``remittance_text`` is the *Verwendungszweck*
    (all unstructured remittance lines joined with spaces); ``creditor_reference`` the
    structured creditor reference, usually an ISO 11649 ``RF…`` reference. Debtor is the party
    that paid, creditor the one that was paid. ``return_reason`` is the ISO reason code of a
    *Rücklastschrift* or *Rücküberweisung* (returned payment), e.g. ``AC04`` (account closed) or
    ``MD06`` (refund requested by the debtor). ``account_servicer_ref`` is the bank's own
    reference for the payment, ``instruction_id`` the payer's instruction id and ``mandate_id``
    the SEPA direct debit mandate reference (*Mandatsreferenz*).

    ``raw_text`` is the whole MT940 purpose text with its SEPA keywords (``EREF+``, ``SVWZ+``…)
    so that a reference a payer put in an odd place can still be found; camt.053 has no such
    text and leaves it empty (and the camt.053 writer does not write it).
    """

    amount_cents: int
    end_to_end_id: str | None = None
    remittance_text: str = ""
    creditor_reference: str | None = None
    debtor_name: str | None = None
    debtor_iban: str | None = None
    creditor_name: str | None = None
    creditor_iban: str | None = None
    return_reason: str | None = None
    account_servicer_ref: str | None = None
    instruction_id: str | None = None
    mandate_id: str | None = None
    raw_text: str = ""

    def __post_init__(self) -> None:
        if self.amount_cents < 0:
            raise ValueError(f"a transaction amount is never negative: {self.amount_cents}")


@dataclass(frozen=True, slots=True)
class Entry:
    """One booking on the account (camt.053 ``Ntry``, MT940 ``:61:`` with its ``:86:``).

    ``entry_ref`` identifies the entry within the account, stable when the same statement is
    read again: the bank's reference (camt.053 ``AcctSvcrRef``, else ``NtryRef``; MT940 the
    bank reference after ``//`` in ``:61:``; ``NONREF``/``NOTPROVIDED`` count as none), else
    ``"H"`` followed by 32 hex digits of a SHA-256 over the statement's identity (account,
    statement id, period), the entry's position in the statement and the entry's content. A
    reference the bank repeats within one statement gets ``/2``, ``/3``… on its repeats. The
    fallback is stable for the same file but not across formats or corrected statements, so it
    is only good for recognising a re-import.

    ``credit`` is true for money in (``CRDT``, *Gutschrift*); ``reversal`` marks a *Storno*,
    the bank reversing an earlier booking of the opposite direction. ``status`` is ``BOOK``
    (booked), ``PDNG`` (pending) or ``INFO`` (information only, not booked). The bank
    transaction code is ``Domain-Family-SubFamily`` (``PMNT-RCDT-ESCT``) or the bank's
    proprietary code (German banks: ``NTRF+166`` = SWIFT type + *Geschäftsvorfallcode*).
    ``charges_cents`` are the bank's fees reported with the entry.
    """

    entry_ref: str
    amount_cents: int
    credit: bool
    reversal: bool = False
    status: str = "BOOK"
    booking_date: date | None = None
    value_date: date | None = None
    bank_transaction_code: str | None = None
    charges_cents: int = 0
    details: tuple[TransactionDetail, ...] = ()

    def __post_init__(self) -> None:
        if self.amount_cents <= 0:
            raise ValueError(f"an entry amount is positive: {self.amount_cents}")
        if self.charges_cents < 0:
            raise ValueError(f"charges are never negative: {self.charges_cents}")


@dataclass(frozen=True, slots=True)
class Statement:
    """One account statement (camt.053 ``Stmt``, one MT940 message).

    ``account_iban`` is the account's IBAN; an MT940 file that names the account only as
    *Bankleitzahl*/*Kontonummer* (``37050198/1234567890``) keeps that text, because converting
    it to an IBAN needs the Bundesbank's bank-specific rules (a camt.053 account without IBAN
    keeps its ``Othr/Id``). Balances are signed cents:
    ``opening_balance_cents`` is the *Anfangssaldo*, ``closing_balance_cents`` the
    *Schlusssaldo*. ``source_format`` names what the statement was read from
    (``camt.053.001.02`` … ``camt.053.001.13``, ``mt940``), empty for one built in code.
    """

    statement_id: str
    account_iban: str
    currency: str = "EUR"
    created_at: datetime | None = None
    from_date: date | None = None
    to_date: date | None = None
    opening_balance_cents: int | None = None
    closing_balance_cents: int | None = None
    entries: tuple[Entry, ...] = ()
    source_format: str = ""


class StatementStream:
    """A statement file as it is read: ``for head, entries in stream`` gives each statement's
    head (a ``Statement`` without entries) and an iterator of its entries, in file order.

    Read each statement's entries before asking for the next statement; entries not asked for
    are passed over (a camt.053 reader then only checks them for well-formed XML). A file's
    errors are raised where the reader meets them, possibly after entries were handed out: a
    caller that acts on entries as they come does so in one transaction, so that a file that
    cannot be read in full changes nothing.
    """

    def __init__(
        self,
        items: Iterator[Statement | Entry],
        skip: Callable[[bool], None] = lambda _skipping: None,
    ) -> None:
        # The reader's items: each statement's head followed by its entries.
        self._items = items
        self._skip = skip
        self._next: Statement | None = None

    @classmethod
    def of(cls, statements: list[Statement]) -> StatementStream:
        """Statements read in full (MT940, or built in code) as a stream."""

        def items() -> Iterator[Statement | Entry]:
            for statement in statements:
                yield replace(statement, entries=())
                yield from statement.entries

        return cls(items())

    def __iter__(self) -> Iterator[tuple[Statement, Iterator[Entry]]]:
        head = next(self._items, None)
        while head is not None:
            if not isinstance(head, Statement):
                raise TypeError("a statement reader handed out an entry before its statement")
            self._skip(False)
            entries = self._entries()
            yield head, entries
            # Whatever the caller left of this statement is passed over.
            self._skip(True)
            for _entry in entries:
                pass
            head = self._next

    def _entries(self) -> Iterator[Entry]:
        self._next = None
        for item in self._items:
            if isinstance(item, Statement):
                self._next = item
                return
            yield item


_CENT = Decimal("0.01")
# ISO 20022 amounts have at most 18 digits; longer ones are refused before Decimal sees them.
_MAX_DIGITS = 18
# What banks write where they have no reference.
NO_REFERENCE = frozenset({"", "NONREF", "NOTPROVIDED"})


class EntryRefs:
    """Keeps the entry references of one statement unique.

    A bank that gives two entries the same reference would otherwise make the second look like
    a re-import of the first; the repeat gets ``/2``, ``/3``… (stable for the same file).
    """

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def unique(self, ref: str) -> str:
        count = self._seen.get(ref, 0) + 1
        self._seen[ref] = count
        return ref if count == 1 else f"{ref}/{count}"


def cents_from_decimal(text: str) -> int:
    """Cents from a plain decimal number ``"1234.5"``; no sign, no exponent, no grouping.

    Raises ``ValueError`` with a reason for anything else, and for fractions of a cent
    (``"12.345"``); trailing zeros (``"12.340"``) are exact and accepted.
    """
    whole, _point, fraction = text.partition(".")
    if (
        0 < len(whole) <= 16
        and len(fraction) <= 2
        and whole.isdigit()
        and whole.isascii()
        and (not fraction or (fraction.isdigit() and fraction.isascii()))
    ):
        # The usual "1234.50": exact in integers, without Decimal (100,000 entries count).
        return int(whole) * 100 + int(fraction.ljust(2, "0"))
    digits = text.replace(".", "", 1)
    if not digits or not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"amount {text!r} is not a decimal number")
    if len(digits.lstrip("0")) > _MAX_DIGITS:
        raise ValueError(f"amount {text!r} has more than {_MAX_DIGITS} digits")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"amount {text!r} is not a decimal number") from None
    if value != value.quantize(_CENT):
        raise ValueError(f"amount {text!r} has more than two decimals")
    return int(value * 100)


def decimal_from_cents(cents: int) -> str:
    """``"1234.50"`` for 123450 (non-negative): how amounts are written into statement files."""
    if cents < 0:
        raise ValueError(f"amounts in statement files are never negative: {cents}")
    return f"{cents // 100}.{cents % 100:02d}"
