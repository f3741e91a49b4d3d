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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, TypeVar

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


class _Reader:
    def __init__(self) -> None:
        self.ns = ""
        self.n = 0
        self.version = ""
        # Local name by the element's full tag ("{urn:...}Amt" -> "Amt"), for this namespace.
        self.names: dict[str, str] = {}
        self.entry_readers: dict[str, _Read[_EntryParts]] = {}
        self.detail_readers: dict[str, _Read[_DetailParts]] = {}
        self.statements = 0
        # The current statement: its head handed out, entries read, their references.
        self.head_out = False
        self.count = 0
        self.statement_key: bytes | None = None
        self.refs = EntryRefs()
        self.skipping = False

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
            for event, element in events:
                if event == "start":
                    self._start(element)
                elif element.tag == self.ns + "Ntry":
                    yield from self._end_entry(element)
                elif element.tag == self.ns + "Stmt":
                    yield from self._end_statement(element)
        except etree.XMLSyntaxError as error:
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
        self.names = {self.ns + name: name for name in _NAMES}
        self.entry_readers = {self.ns + name: read for name, read in _ENTRY_READERS.items()}
        self.detail_readers = {self.ns + name: read for name, read in _DETAIL_READERS.items()}
        self.version = message

    # Entries -------------------------------------------------------------------------------

    def _end_entry(self, ntry: Element) -> Iterator[Statement | Entry]:
        parent = ntry.getparent()
        if parent is None or parent.tag != self.ns + "Stmt":
            raise self._error("<Ntry> outside a statement <Stmt>", ntry)
        if not self.head_out:
            # The statement's own elements come before its entries (the schema's order).
            self.head_out = True
            yield self._statement(parent)
        if not self.skipping:
            entry = self._entry(ntry, parent)
            if entry is not None:
                self.count += 1
                yield entry
        # The entry is read; dropping it (and the one before) keeps memory flat on big files.
        ntry.clear()
        previous = ntry.getprevious()
        if previous is not None and previous.tag == ntry.tag:
            parent.remove(previous)

    def _entry(self, ntry: Element, stmt: Element) -> Entry | None:
        # One pass over the entry's children, each read by the reader for its tag: with
        # 100,000 entries every lxml element handed to Python counts.
        parts = _EntryParts()
        readers = self.entry_readers
        for child in ntry:
            read = readers.get(child.tag)
            if read is not None:
                read(self, parts, child)
        amount, credit, status = parts.amount, parts.credit, parts.status
        if amount is None:
            raise self._error("the entry has no amount <Amt>", ntry)
        if credit is None:
            raise self._error("the entry has no <CdtDbtInd> (CRDT or DBIT)", ntry)
        if status is None:
            raise self._error("the entry has no status <Sts>", ntry)
        if amount == 0:
            # A 0.00 booking (an account closing without fees) moves no money; entries are > 0.
            return None
        entry_ref = self.refs.unique(
            parts.servicer_ref or parts.ntry_ref or self._fallback_ref(ntry, stmt)
        )
        if parts.transactions:
            details = self._details(parts.transactions, amount)
        else:
            # An entry without transaction details still gets one detail, so that matching
            # code only ever looks at details; the bank's free text is its remittance
            # information.
            details = (
                TransactionDetail(
                    amount_cents=amount,
                    remittance_text=parts.additional_info,
                    account_servicer_ref=parts.servicer_ref,
                ),
            )
        return Entry(
            entry_ref=entry_ref,
            amount_cents=amount,
            credit=credit,
            reversal=parts.reversal,
            status=status,
            booking_date=parts.booking_date,
            value_date=parts.value_date,
            bank_transaction_code=parts.code,
            charges_cents=parts.charges,
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
        parts = _DetailParts()
        readers = self.detail_readers
        for child in tx:
            read = readers.get(child.tag)
            if read is not None:
                read(self, parts, child)
        # The transaction amount in account currency is the one booked; Amt may be the
        # instructed amount.
        booked = parts.transaction_amount if parts.transaction_amount is not None else parts.amount
        if booked is None:
            if fallback_amount is None:
                return None
            booked = fallback_amount
        end_to_end_id = parts.end_to_end_id
        return TransactionDetail(
            amount_cents=booked,
            end_to_end_id=None if end_to_end_id in (None, "", "NOTPROVIDED") else end_to_end_id,
            remittance_text=" ".join(parts.texts),
            creditor_reference=parts.creditor_reference,
            debtor_name=parts.debtor_name,
            debtor_iban=parts.debtor_iban,
            creditor_name=parts.creditor_name,
            creditor_iban=parts.creditor_iban,
            return_reason=parts.return_reason,
            account_servicer_ref=parts.servicer_ref,
            instruction_id=parts.instruction_id,
            mandate_id=parts.mandate_id,
        )

    # The children of <Ntry> --------------------------------------------------------------

    def _entry_amount(self, parts: _EntryParts, child: Element) -> None:
        parts.amount = self._amount(child)

    def _entry_credit(self, parts: _EntryParts, child: Element) -> None:
        parts.credit = self._credit(child)

    def _entry_reversal(self, parts: _EntryParts, child: Element) -> None:
        parts.reversal = self._boolean(child)

    def _entry_charges(self, parts: _EntryParts, child: Element) -> None:
        parts.charges += self._charges(child)

    def _entry_status(self, parts: _EntryParts, child: Element) -> None:
        parts.status = self._status(child)

    def _entry_booking_date(self, parts: _EntryParts, child: Element) -> None:
        parts.booking_date = self._date_choice(child)

    def _entry_value_date(self, parts: _EntryParts, child: Element) -> None:
        parts.value_date = self._date_choice(child)

    def _entry_ntry_ref(self, parts: _EntryParts, child: Element) -> None:
        parts.ntry_ref = _reference(child)

    def _entry_servicer_ref(self, parts: _EntryParts, child: Element) -> None:
        parts.servicer_ref = _reference(child)

    def _entry_code(self, parts: _EntryParts, child: Element) -> None:
        parts.code = self._bank_transaction_code(child)

    def _entry_transactions(self, parts: _EntryParts, child: Element) -> None:
        parts.transactions.extend(child.iterchildren(self.ns + "TxDtls"))

    def _entry_info(self, parts: _EntryParts, child: Element) -> None:
        parts.additional_info = _text(child)

    # The children of <TxDtls> ------------------------------------------------------------

    def _detail_refs(self, parts: _DetailParts, refs: Element) -> None:
        names = self.names
        for ref in refs:
            name = names.get(ref.tag)
            if name == "EndToEndId":
                parts.end_to_end_id = _text(ref)
            elif name == "AcctSvcrRef":
                parts.servicer_ref = _text(ref) or None
            elif name == "InstrId":
                parts.instruction_id = _text(ref) or None
            elif name == "MndtId":
                parts.mandate_id = _text(ref) or None

    def _detail_amount(self, parts: _DetailParts, child: Element) -> None:
        parts.amount = self._amount(child)

    def _detail_amount_details(self, parts: _DetailParts, child: Element) -> None:
        tx_amount = self._first(child, "TxAmt", "Amt")
        if tx_amount is not None:
            parts.transaction_amount = self._amount(tx_amount)

    def _detail_parties(self, parts: _DetailParts, parties: Element) -> None:
        names = self.names
        for party in parties:
            name = names.get(party.tag)
            if name == "Dbtr":
                parts.debtor_name = self._party_name(party)
            elif name == "DbtrAcct":
                parts.debtor_iban = self._iban(party)
            elif name == "Cdtr":
                parts.creditor_name = self._party_name(party)
            elif name == "CdtrAcct":
                parts.creditor_iban = self._iban(party)

    def _detail_remittance(self, parts: _DetailParts, remittance: Element) -> None:
        names = self.names
        for info in remittance:
            name = names.get(info.tag)
            if name == "Ustrd":
                text = _text(info)
                if text:
                    parts.texts.append(text)
            elif name == "Strd" and parts.creditor_reference is None:
                reference = self._first(info, "CdtrRefInf", "Ref")
                parts.creditor_reference = None if reference is None else _text(reference) or None

    def _detail_return(self, parts: _DetailParts, return_info: Element) -> None:
        parts.return_reason = self._return_reason(return_info)

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
        try:
            return cents_from_decimal(text.strip() if text else "")
        except ValueError as error:
            raise self._error(str(error), element) from None

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


@dataclass(slots=True)
class _EntryParts:
    """What an entry's children said, as they are read."""

    amount: int | None = None
    credit: bool | None = None
    reversal: bool = False
    status: str | None = None
    booking_date: date | None = None
    value_date: date | None = None
    ntry_ref: str | None = None
    servicer_ref: str | None = None
    code: str | None = None
    charges: int = 0
    transactions: list[Element] = field(default_factory=list)
    additional_info: str = ""


@dataclass(slots=True)
class _DetailParts:
    """What a transaction's children (<TxDtls>) said, as they are read."""

    amount: int | None = None
    transaction_amount: int | None = None
    end_to_end_id: str | None = None
    servicer_ref: str | None = None
    instruction_id: str | None = None
    mandate_id: str | None = None
    texts: list[str] = field(default_factory=list)
    creditor_reference: str | None = None
    debtor_name: str | None = None
    debtor_iban: str | None = None
    creditor_name: str | None = None
    creditor_iban: str | None = None
    return_reason: str | None = None


_Parts = TypeVar("_Parts", _EntryParts, _DetailParts)
_Read = Callable[[_Reader, _Parts, Element], None]

# Which reader takes which child of <Ntry> and of <TxDtls>, by local name.
_ENTRY_READERS: dict[str, _Read[_EntryParts]] = {
    "Amt": _Reader._entry_amount,
    "CdtDbtInd": _Reader._entry_credit,
    "RvslInd": _Reader._entry_reversal,
    "Chrgs": _Reader._entry_charges,
    "Sts": _Reader._entry_status,
    "BookgDt": _Reader._entry_booking_date,
    "ValDt": _Reader._entry_value_date,
    "NtryRef": _Reader._entry_ntry_ref,
    "AcctSvcrRef": _Reader._entry_servicer_ref,
    "BkTxCd": _Reader._entry_code,
    "NtryDtls": _Reader._entry_transactions,
    "AddtlNtryInf": _Reader._entry_info,
}
_DETAIL_READERS: dict[str, _Read[_DetailParts]] = {
    "Refs": _Reader._detail_refs,
    "Amt": _Reader._detail_amount,
    "AmtDtls": _Reader._detail_amount_details,
    "RltdPties": _Reader._detail_parties,
    "RmtInf": _Reader._detail_remittance,
    "RtrInf": _Reader._detail_return,
}


def _text(element: Element) -> str:
    return (element.text or "").strip()


def _reference(element: Element) -> str | None:
    value = _text(element)
    return None if value in NO_REFERENCE else value
