"""Reading camt.053 bank statements (ISO 20022 *BankToCustomerStatement*), .001.02 to .001.13.

camt.053 is the XML *Kontoauszug* German banks deliver through EBICS or online banking, the
successor of MT940. The version is read from the document's namespace
(``urn:iso:std:iso:20022:tech:xsd:camt.053.001.08``); the versions differ in details this module
reads both ways (``Sts`` as text or ``Sts/Cd``, ``Dbtr/Nm`` or ``Dbtr/Pty/Nm``, charges as
``Chrgs/Amt`` or ``Chrgs/Rcrd/Amt``).

The file is read with ``iterparse`` and handed on as it is read (``stream_camt053``): a
statement's own elements (``Id``, ``Acct``, ``Bal``...), which the schema puts before its
entries, make its head as soon as its first entry is read; each entry is turned into an ``Entry``
when its closing tag is read and then dropped from the tree, so a statement with 100,000 entries
never sits in memory, neither as XML nor as entries. Entries the caller does not ask for (a
statement imported before) are only checked for well-formed XML, not read. ``parse_camt053``
reads everything into ``Statement`` objects. DTDs are refused outright, which rules out entity
expansion ("billion laughs") and external entities; the parser neither resolves entities nor
touches the network.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from lxml import etree

from server.payments.statements.model import (
    NO_REFERENCE,
    Entry,
    EntryRefs,
    Statement,
    StatementError,
    StatementStream,
    TransactionDetail,
    cents_from_decimal,
)

NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"
SUPPORTED_VERSIONS = tuple(f"001.{number:02d}" for number in range(2, 14))
SOURCE = "camt.053"

# What the other documents a bank or a user might upload instead of a statement are.
_OTHER_MESSAGES = {
    "camt.052": "a camt.052 account report (intraday turnover), not a camt.053 bank statement",
    "camt.054": "a camt.054 debit/credit notification, not a camt.053 bank statement",
    "pain.001": "a pain.001 credit transfer order, not a camt.053 bank statement",
    "pain.008": "a pain.008 direct debit order, not a camt.053 bank statement",
    "pain.002": "a pain.002 payment status report, not a camt.053 bank statement",
}

# lxml elements have no type stubs here; this alias keeps signatures readable.
Element = Any


def parse_camt053(data: bytes) -> list[Statement]:
    """Every statement (``Stmt``) of a camt.053 document, in document order.

    Raises ``StatementError`` naming the line and element for anything that is not a
    well-formed camt.053 document of a supported version, and for amounts in another currency
    than euro or with fractions of a cent.
    """
    return [replace(head, entries=tuple(entries)) for head, entries in stream_camt053(data)]


def stream_camt053(data: bytes) -> StatementStream:
    """The statements of a camt.053 document as they are read: each statement's head, then its
    entries. Errors are raised where they are read, so a caller that books as it reads does so
    in one transaction (see ``StatementStream``)."""
    reader = _Reader()
    return StatementStream(reader.items(data), reader.skip)


# A transaction's references (EndToEndId, AcctSvcrRef, InstrId, MndtId) and parties (debtor's
# name and IBAN, creditor's name and IBAN), before its <Refs> and <RltdPties> are read.
_Refs = tuple[str | None, str | None, str | None, str | None]
_Parties = tuple[str | None, str | None, str | None, str | None]
_NO_REFS: _Refs = (None, None, None, None)
_NO_PARTIES: _Parties = (None, None, None, None)

# The local names of the elements the reader looks at, under an entry and its transactions.
_NAMES = (
    "Amt",
    "CdtDbtInd",
    "RvslInd",
    "Chrgs",
    "Sts",
    "BookgDt",
    "ValDt",
    "NtryRef",
    "AcctSvcrRef",
    "BkTxCd",
    "NtryDtls",
    "AddtlNtryInf",
    "TxDtls",
    "Refs",
    "AmtDtls",
    "RltdPties",
    "RmtInf",
    "RtrInf",
    "EndToEndId",
    "InstrId",
    "MndtId",
    "Dbtr",
    "DbtrAcct",
    "Cdtr",
    "CdtrAcct",
    "Ustrd",
    "Strd",
    "Nm",
    "Pty",
    "Agt",
    "Dt",
    "DtTm",
)


# How many amounts and days the reader keeps by their text.
_KEPT = 4096


class _Reader:
    def __init__(self) -> None:
        self.ns = ""
        self.n = 0
        # Full tags ("{urn:...}Ntry") of the elements looked at most, for this namespace.
        self.ntry_tag = ""
        self.stmt_tag = ""
        self.details_tag = ""
        self.txdtls_tag = ""
        self.charges_tag = ""
        # The children of <Ntry> with one value each: their slot by full tag, and its reader.
        self.entry_slots: dict[str, int] = {}
        self.entry_readers: tuple[Callable[[Element], Any], ...] = ()
        self.version = ""
        # Local name by the element's full tag ("{urn:...}Amt" -> "Amt"), for this namespace.
        self.names: dict[str, str] = {}
        self.statements = 0
        # The current statement: its head handed out, entries read, their references.
        self.head_out = False
        self.count = 0
        self.statement_key: bytes | None = None
        self.refs = EntryRefs()
        self.skipping = False
        # Values read before, by their element's text (bounded: cleared when full).
        self.cents: dict[str | None, int] = {}
        self.dates: dict[str | None, date] = {}

    def skip(self, skipping: bool) -> None:
        """From now until the next statement, entries are only checked for well-formed XML."""
        self.skipping = skipping

    def items(self, data: bytes) -> Iterator[Statement | Entry]:
        """Each statement's head followed by its entries, in document order, as read."""
        if not data.strip():
            raise StatementError("the document is empty", source=SOURCE, line=1)
        events = etree.iterparse(
            io.BytesIO(data),
            events=("start", "end"),
            tag=("{*}Document", "{*}Stmt", "{*}Ntry"),
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
            load_dtd=False,
            remove_comments=True,
            remove_pis=True,
        )
        try:
            yield from self._read(events)
        except etree.XMLSyntaxError as error:
            declared = _declared_dtd(data)
            if declared is not None:
                # A newer libxml2 stops an entity bomb while reading the DTD, before the root's
                # start reaches _check_document: refused for the same reason, said the same way.
                line, root = declared
                raise StatementError(
                    "a document type declaration (DTD) is not allowed",
                    source=SOURCE,
                    line=line,
                    element=root,
                ) from None
            # This parse's own log has the first error with its line; the exception's message is
            # sometimes only a generic "no element found", and its log spans earlier parses.
            errors = events.error_log.filter_from_errors()
            message, line = (errors[0].message, errors[0].line) if errors else (error.msg, 0)
            raise StatementError(
                f"not well-formed XML: {message}", source=SOURCE, line=line or error.lineno or 1
            ) from None
        if not self.ns:
            raise self._not_camt053(events.root)
        if not self.statements:
            raise StatementError(
                "the document holds no statement <Stmt>",
                source=SOURCE,
                line=events.root.sourceline,
                element="Document",
            )

    def _read(self, events: Iterator[tuple[str, Element]]) -> Iterator[Statement | Entry]:
        for event, element in events:
            if event == "start":
                # Once the root is checked, only a <Stmt>'s start has something to check.
                if not self.ns or element.tag == self.stmt_tag:
                    self._start(element)
                continue
            tag = element.tag
            if tag == self.ntry_tag:
                # Read here rather than in a generator per entry: 100,000 entries count.
                stmt = self._entry_statement(element)
                if not self.head_out:
                    # The statement's own elements come before its entries (the schema's order).
                    self.head_out = True
                    yield self._statement(stmt)
                if not self.skipping:
                    entry = self._entry(element, stmt)
                    if entry is not None:
                        self.count += 1
                        yield entry
                # The entry is read; dropping it (and the one before) keeps memory flat on big
                # files.
                element.clear()
                previous = element.getprevious()
                if previous is not None and previous.tag == tag:
                    stmt.remove(previous)
            elif tag == self.stmt_tag:
                yield from self._end_statement(element)

    def _start(self, element: Element) -> None:
        if element.getparent() is None:
            self._check_document(element)
        elif not self.ns:
            # Read nothing of a document that is not a camt.053 document.
            raise self._not_camt053(element.getroottree().getroot())
        elif element.tag == self.ns + "Stmt":
            parent = element.getparent()
            if parent.tag != self.ns + "BkToCstmrStmt":
                raise self._error("<Stmt> outside <BkToCstmrStmt>", element)

    def _not_camt053(self, root: Element) -> StatementError:
        name = etree.QName(root).localname
        return StatementError(
            f"not a camt.053 document: the root element is <{name}>",
            source=SOURCE,
            line=root.sourceline,
            element=name,
        )

    def _check_document(self, root: Element) -> None:
        docinfo = root.getroottree().docinfo
        if docinfo.doctype or docinfo.internalDTD is not None:
            raise self._error("a document type declaration (DTD) is not allowed", root)
        qname = etree.QName(root)
        namespace = qname.namespace or ""
        if qname.localname != "Document":
            raise self._error(
                f"not a camt.053 document: the root element is <{qname.localname}>", root
            )
        if not namespace:
            raise self._error("not a camt.053 document: the document has no namespace", root)
        # "camt.053.001.08": message "camt.053", variant and version "001.08".
        message = namespace.removeprefix(NAMESPACE_PREFIX)
        parts = message.split(".")
        kind, version = ".".join(parts[:2]), ".".join(parts[2:])
        if not namespace.startswith(NAMESPACE_PREFIX) or kind != "camt.053":
            reason = _OTHER_MESSAGES.get(kind, f"namespace {namespace!r} is not camt.053")
            raise self._error(f"not a camt.053 document: {reason}", root)
        if version not in SUPPORTED_VERSIONS:
            supported = f"{SUPPORTED_VERSIONS[0]} to {SUPPORTED_VERSIONS[-1]}"
            raise self._error(
                f"camt.053 version {message.removeprefix('camt.053.')} is not supported "
                f"(supported: {supported})",
                root,
            )
        self.ns = "{" + namespace + "}"
        self.n = len(self.ns)
        self.ntry_tag = self.ns + "Ntry"
        self.stmt_tag = self.ns + "Stmt"
        self.details_tag = self.ns + "NtryDtls"
        self.txdtls_tag = self.ns + "TxDtls"
        self.charges_tag = self.ns + "Chrgs"
        # In the order _entry unpacks their values.
        readers: dict[str, Callable[[Element], Any]] = {
            "Amt": self._amount,
            "CdtDbtInd": self._credit,
            "Sts": self._status,
            "BookgDt": self._date_choice,
            "ValDt": self._date_choice,
            "NtryRef": _reference,
            "AcctSvcrRef": _reference,
            "BkTxCd": self._bank_transaction_code,
            "AddtlNtryInf": _text,
            "RvslInd": self._boolean,
        }
        self.entry_slots = {self.ns + name: slot for slot, name in enumerate(readers)}
        self.entry_readers = tuple(readers.values())
        self.names = {self.ns + name: name for name in _NAMES}
        self.version = message

    # Entries -------------------------------------------------------------------------------

    def _entry_statement(self, ntry: Element) -> Element:
        stmt = ntry.getparent()
        if stmt is None or stmt.tag != self.stmt_tag:
            raise self._error("<Ntry> outside a statement <Stmt>", ntry)
        return stmt

    def _entry(self, ntry: Element, stmt: Element) -> Entry | None:
        # One pass over the entry's children: each child with a value of its own is read by
        # the reader of its slot, the last one of a kind wins. With 100,000 entries every lxml
        # element handed to Python and every call counts.
        slots = self.entry_slots
        readers = self.entry_readers
        values: list[Any] = [None] * len(readers)
        transactions: list[Element] = []
        charges = 0
        for child in ntry:
            tag = child.tag
            slot = slots.get(tag)
            if slot is not None:
                values[slot] = readers[slot](child)
            elif tag == self.details_tag:
                # Cheaper than iterchildren(tag), which builds a matcher for each call.
                txdtls_tag = self.txdtls_tag
                transactions += [tx for tx in child if tx.tag == txdtls_tag]
            elif tag == self.charges_tag:
                charges += self._charges(child)
        (
            amount,
            credit,
            status,
            booking_date,
            value_date,
            ntry_ref,
            servicer_ref,
            code,
            additional_info,
            reversal,
        ) = values
        if amount is None:
            raise self._error("the entry has no amount <Amt>", ntry)
        if credit is None:
            raise self._error("the entry has no <CdtDbtInd> (CRDT or DBIT)", ntry)
        if status is None:
            raise self._error("the entry has no status <Sts>", ntry)
        if amount == 0:
            # A 0.00 booking (an account closing without fees) moves no money; entries are > 0.
            return None
        entry_ref = self.refs.unique(servicer_ref or ntry_ref or self._fallback_ref(ntry, stmt))
        if transactions:
            details = self._details(transactions, amount)
        else:
            # An entry without transaction details still gets one detail, so that matching
            # code only ever looks at details; the bank's free text is its remittance
            # information.
            details = (
                TransactionDetail(
                    amount_cents=amount,
                    remittance_text=additional_info or "",
                    account_servicer_ref=servicer_ref,
                ),
            )
        return Entry(
            entry_ref=entry_ref,
            amount_cents=amount,
            credit=credit,
            reversal=reversal or False,
            status=status,
            booking_date=booking_date,
            value_date=value_date,
            bank_transaction_code=code,
            charges_cents=charges,
            details=details,
        )

    def _fallback_ref(self, ntry: Element, stmt: Element) -> str:
        if self.statement_key is None:
            identity = [
                stmt.findtext(self.ns + "Id") or "",
                stmt.findtext(f"{self.ns}Acct/{self.ns}Id/{self.ns}IBAN") or "",
                stmt.findtext(f"{self.ns}FrToDt/{self.ns}FrDtTm") or "",
                stmt.findtext(f"{self.ns}FrToDt/{self.ns}ToDtTm") or "",
            ]
            self.statement_key = "\x1f".join(part.strip() for part in identity).encode()
        digest = hashlib.sha256(self.statement_key)
        digest.update(b"\x1e%d\x1e" % self.count)
        digest.update(etree.tostring(ntry, method="c14n"))
        return "H" + digest.hexdigest()[:32]

    def _details(
        self, transactions: list[Element], entry_amount: int
    ) -> tuple[TransactionDetail, ...]:
        # A single transaction without an amount of its own books the entry's amount.
        fallback = entry_amount if len(transactions) == 1 else None
        details = []
        for transaction in transactions:
            detail = self._detail(transaction, fallback)
            if detail is None:
                raise self._error(
                    "a transaction of a batch entry has no amount (<AmtDtls>/<TxAmt>/<Amt> "
                    "or <Amt>)",
                    transaction,
                )
            details.append(detail)
        return tuple(details)

    def _detail(self, tx: Element, fallback_amount: int | None = None) -> TransactionDetail | None:
        """The payment a transaction (<TxDtls>) describes; None when it has no amount of its
        own and none is given."""
        # One pass over the children, the values in locals (see _entry).
        names = self.names
        amount: int | None = None
        transaction_amount: int | None = None
        refs = _NO_REFS
        parties = _NO_PARTIES
        texts: list[str] = []
        creditor_reference: str | None = None
        return_reason: str | None = None
        for child in tx:
            name = names.get(child.tag)
            if name == "Refs":
                refs = self._refs(child, refs)
            elif name == "Amt":
                amount = self._amount(child)
            elif name == "RltdPties":
                parties = self._parties(child, parties)
            elif name == "RmtInf":
                creditor_reference = self._remittance(child, texts, creditor_reference)
            elif name == "AmtDtls":
                tx_amount = self._first(child, "TxAmt", "Amt")
                if tx_amount is not None:
                    transaction_amount = self._amount(tx_amount)
            elif name == "RtrInf":
                return_reason = self._return_reason(child)
        # The transaction amount in account currency is the one booked; Amt may be the
        # instructed amount.
        booked = transaction_amount if transaction_amount is not None else amount
        if booked is None:
            if fallback_amount is None:
                return None
            booked = fallback_amount
        end_to_end_id, servicer_ref, instruction_id, mandate_id = refs
        debtor_name, debtor_iban, creditor_name, creditor_iban = parties
        return TransactionDetail(
            amount_cents=booked,
            end_to_end_id=None if end_to_end_id in (None, "", "NOTPROVIDED") else end_to_end_id,
            remittance_text=" ".join(texts),
            creditor_reference=creditor_reference,
            debtor_name=debtor_name,
            debtor_iban=debtor_iban,
            creditor_name=creditor_name,
            creditor_iban=creditor_iban,
            return_reason=return_reason,
            account_servicer_ref=servicer_ref,
            instruction_id=instruction_id,
            mandate_id=mandate_id,
        )

    # The children of <TxDtls> with several values ---------------------------------------

    def _refs(self, refs: Element, values: _Refs) -> _Refs:
        """The references under <Refs>, over those of a <Refs> before."""
        end_to_end_id, servicer_ref, instruction_id, mandate_id = values
        names = self.names
        for ref in refs:
            name = names.get(ref.tag)
            if name == "EndToEndId":
                end_to_end_id = _text(ref)
            elif name == "AcctSvcrRef":
                servicer_ref = _text(ref) or None
            elif name == "InstrId":
                instruction_id = _text(ref) or None
            elif name == "MndtId":
                mandate_id = _text(ref) or None
        return end_to_end_id, servicer_ref, instruction_id, mandate_id

    def _parties(self, parties: Element, values: _Parties) -> _Parties:
        """Debtor and creditor under <RltdPties>, over those of a <RltdPties> before."""
        debtor_name, debtor_iban, creditor_name, creditor_iban = values
        names = self.names
        for party in parties:
            name = names.get(party.tag)
            if name == "Dbtr":
                debtor_name = self._party_name(party)
            elif name == "DbtrAcct":
                debtor_iban = self._iban(party)
            elif name == "Cdtr":
                creditor_name = self._party_name(party)
            elif name == "CdtrAcct":
                creditor_iban = self._iban(party)
        return debtor_name, debtor_iban, creditor_name, creditor_iban

    def _remittance(
        self, remittance: Element, texts: list[str], creditor_reference: str | None
    ) -> str | None:
        """Adds the unstructured lines of <RmtInf> to ``texts``; the creditor reference is the
        first one of the transaction."""
        names = self.names
        for info in remittance:
            name = names.get(info.tag)
            if name == "Ustrd":
                text = _text(info)
                if text:
                    texts.append(text)
            elif name == "Strd" and creditor_reference is None:
                reference = self._first(info, "CdtrRefInf", "Ref")
                creditor_reference = None if reference is None else _text(reference) or None
        return creditor_reference

    def _return_reason(self, return_info: Element) -> str | None:
        reason = self._first(return_info, "Rsn", "Cd")
        if reason is None:
            reason = self._first(return_info, "Rsn", "Prtry")
        return None if reason is None else (_text(reason) or None)

    def _party_name(self, party: Element) -> str | None:
        # .001.02 to .001.06 put the name directly under Dbtr/Cdtr; from .001.07 on it sits in
        # Pty (a party) or, for a bank as party, Agt/FinInstnId.
        names = self.names
        for child in party:
            kind = names.get(child.tag)
            if kind == "Nm":
                return _text(child) or None
            if kind == "Pty":
                name = self._first(child, "Nm")
                return None if name is None else (_text(name) or None)
            if kind == "Agt":
                name = self._first(child, "FinInstnId", "Nm")
                return None if name is None else (_text(name) or None)
        return None

    def _iban(self, account: Element) -> str | None:
        iban = self._first(account, "Id", "IBAN")
        return None if iban is None else (_text(iban) or None)

    def _charges(self, charges: Element) -> int:
        ns = self.ns
        total = charges.find(ns + "TtlChrgsAndTaxAmt")
        if total is not None:
            return self._amount(total)
        records = charges.findall(f"{ns}Rcrd/{ns}Amt")
        if records:
            return sum(self._amount(record) for record in records)
        # .001.02: one Chrgs element per charge, its amount directly inside.
        amount = charges.find(ns + "Amt")
        return 0 if amount is None else self._amount(amount)

    def _bank_transaction_code(self, code: Element) -> str | None:
        n = self.n
        proprietary: str | None = None
        for child in code:
            kind = child.tag[n:]
            if kind == "Domn":
                # Domain, family and sub-family codes, e.g. PMNT-RCDT-ESCT.
                parts = {"Cd": "", "Fmly/Cd": "", "Fmly/SubFmlyCd": ""}
                for part in child:
                    part_kind = part.tag[n:]
                    if part_kind == "Cd":
                        parts["Cd"] = _text(part)
                    elif part_kind == "Fmly":
                        for family in part:
                            parts["Fmly/" + family.tag[n:]] = _text(family)
                return "-".join((parts["Cd"], parts["Fmly/Cd"], parts["Fmly/SubFmlyCd"]))
            if kind == "Prtry":
                value = self._first(child, "Cd")
                proprietary = None if value is None else (_text(value) or None)
        return proprietary

    # Statements ----------------------------------------------------------------------------

    def _end_statement(self, stmt: Element) -> Iterator[Statement]:
        if not self.head_out:
            yield self._statement(stmt)  # a statement without entries
        self.statements += 1
        self.head_out = False
        self.count = 0
        self.statement_key = None
        self.refs = EntryRefs()
        stmt.clear()
        previous = stmt.getprevious()
        if previous is not None and previous.tag == stmt.tag:
            stmt.getparent().remove(previous)

    def _statement(self, stmt: Element) -> Statement:
        """The statement's head (without entries): its elements before the first entry."""
        n = self.n
        ns = self.ns
        entry_tag = ns + "Ntry"
        statement_id: str | None = None
        created_at: datetime | None = None
        from_date: date | None = None
        to_date: date | None = None
        iban: str | None = None
        currency = "EUR"
        balances: dict[str, int] = {}
        for child in stmt:
            if child.tag == entry_tag:
                break
            name = child.tag[n:]
            if name == "Id":
                statement_id = _text(child)
            elif name == "CreDtTm":
                created_at = self._datetime(child)
            elif name == "FrToDt":
                start = child.find(ns + "FrDtTm")
                end = child.find(ns + "ToDtTm")
                from_date = None if start is None else self._datetime(start).date()
                to_date = None if end is None else self._datetime(end).date()
            elif name == "Acct":
                iban = (
                    child.findtext(f"{ns}Id/{ns}IBAN")
                    or child.findtext(f"{ns}Id/{ns}Othr/{ns}Id")
                    or ""
                ).strip() or None
                ccy = child.find(ns + "Ccy")
                if ccy is not None:
                    currency = self._currency(_text(ccy), ccy)
            elif name == "Bal":
                kind, cents = self._balance(child)
                balances.setdefault(kind, cents)
        if not statement_id:
            raise self._error("the statement has no <Id>", stmt)
        if iban is None:
            raise self._error("the statement names no account <Acct><Id><IBAN>", stmt)
        return Statement(
            statement_id=statement_id,
            account_iban=iban,
            currency=currency,
            created_at=created_at,
            from_date=from_date,
            to_date=to_date,
            opening_balance_cents=balances.get("OPBD", balances.get("PRCD")),
            closing_balance_cents=balances.get("CLBD"),
            source_format=self.version,
        )

    def _balance(self, balance: Element) -> tuple[str, int]:
        ns = self.ns
        kind = (
            balance.findtext(f"{ns}Tp/{ns}CdOrPrtry/{ns}Cd")
            or balance.findtext(f"{ns}Tp/{ns}CdOrPrtry/{ns}Prtry")
            or ""
        ).strip()
        amount = balance.find(ns + "Amt")
        if amount is None:
            raise self._error("the balance has no amount <Amt>", balance)
        cents = self._amount(amount)
        indicator = balance.find(ns + "CdtDbtInd")
        if indicator is None:
            raise self._error("the balance has no <CdtDbtInd> (CRDT or DBIT)", balance)
        return kind, cents if self._credit(indicator) else -cents

    # Values --------------------------------------------------------------------------------

    def _amount(self, element: Element) -> int:
        currency = element.get("Ccy")
        if currency != "EUR":
            self._currency(currency, element)
        text = element.text
        # An entry's amount comes again in its transaction, and amounts repeat in a statement:
        # the text's cents are worked out once (only amounts read without an error are kept).
        cents = self.cents.get(text)
        if cents is not None:
            return cents
        try:
            cents = cents_from_decimal(text.strip() if text else "")
        except ValueError as error:
            raise self._error(str(error), element) from None
        if len(self.cents) >= _KEPT:
            self.cents.clear()
        self.cents[text] = cents
        return cents

    def _currency(self, currency: str | None, element: Element) -> str:
        if currency is None:
            raise self._error("the amount has no currency (Ccy)", element)
        if currency != "EUR":
            raise self._error(
                f"currency {currency!r} is not supported: the portal books euro (EUR) only",
                element,
            )
        return currency

    def _credit(self, indicator: Element) -> bool:
        value = _text(indicator)
        if value not in ("CRDT", "DBIT"):
            raise self._error(
                f"credit/debit indicator {value!r} is neither CRDT nor DBIT", indicator
            )
        return value == "CRDT"

    def _boolean(self, element: Element) -> bool:
        value = _text(element)
        if value not in ("true", "false", "1", "0"):
            raise self._error(f"{value!r} is not a boolean (true or false)", element)
        return value in ("true", "1")

    def _status(self, status: Element) -> str:
        # .001.02 to .001.06 write the status as text, later versions as Sts/Cd (or Prtry).
        code = None
        if len(status):
            code = self._first(status, "Cd")
            if code is None:
                code = self._first(status, "Prtry")
        value = _text(status if code is None else code)
        if not value:
            raise self._error("the entry status is empty", status)
        return value

    def _date_choice(self, choice: Element) -> date:
        for child in choice:
            name = child.tag[self.n :]
            if name == "Dt":
                return self._date(child)
            if name == "DtTm":
                return self._datetime(child).date()
        raise self._error("neither <Dt> nor <DtTm> in the date", choice)

    def _date(self, element: Element) -> date:
        # A statement's entries share a few days: each day's text is read once.
        text = element.text
        found = self.dates.get(text)
        if found is not None:
            return found
        found = self._read_date(element)
        if len(self.dates) >= _KEPT:
            self.dates.clear()
        self.dates[text] = found
        return found

    def _read_date(self, element: Element) -> date:
        value = _text(element)
        day, zone = value[:10], value[10:]
        try:
            # xs:date may carry a time zone ("2024-03-01+01:00"); the calendar day is what counts.
            if zone and zone != "Z":
                datetime.strptime(zone, "%z")
            return date.fromisoformat(day)
        except ValueError:
            raise self._error(f"{value!r} is not a date (YYYY-MM-DD)", element) from None

    def _datetime(self, element: Element) -> datetime:
        value = _text(element)
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise self._error(f"{value!r} is not a date and time", element) from None

    def _first(self, element: Element, *path: str) -> Element | None:
        # Walking the children beats lxml's find() with a path several times over, which
        # counts with 100,000 entries.
        for name in path:
            tag = self.ns + name
            for child in element:
                if child.tag == tag:
                    element = child
                    break
            else:
                return None
        return element

    def _error(self, reason: str, element: Element) -> StatementError:
        return StatementError(
            reason,
            source=SOURCE,
            line=element.sourceline,
            element=etree.QName(element).localname,
        )


_DOCTYPE = re.compile(rb"<!DOCTYPE\b")
_ROOT_AFTER = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")


def _declared_dtd(data: bytes) -> tuple[int, str] | None:
    """The line and local name of the root element of a document whose prolog declares a
    DTD (ASCII-compatible encodings), or None."""
    doctype = _DOCTYPE.search(data, 0, 4096)
    if doctype is None:
        return None
    root = _ROOT_AFTER.search(data, data.find(b"]>", doctype.end()) + 1 or doctype.end())
    if root is None:
        return data.count(b"\n", 0, doctype.start()) + 1, ""
    return data.count(b"\n", 0, root.start()) + 1, root.group(1).decode("ascii", "replace")


def _text(element: Element) -> str:
    return (element.text or "").strip()


def _reference(element: Element) -> str | None:
    value = _text(element)
    return None if value in NO_REFERENCE else value
