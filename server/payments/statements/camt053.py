"""Reading camt.053 bank statements (ISO 20022 *BankToCustomerStatement*), .001.02 to .001.13.

camt.053 is the XML *Kontoauszug* German banks deliver through EBICS or online banking, the
successor of MT940. The version is read from the document's namespace
(``urn:iso:std:iso:20022:tech:xsd:camt.053.001.08``); the versions differ in details this module
reads both ways (``Sts`` as text or ``Sts/Cd``, ``Dbtr/Nm`` or ``Dbtr/Pty/Nm``, charges as
``Chrgs/Amt`` or ``Chrgs/Rcrd/Amt``).

The file is read with ``iterparse``: each entry is turned into an ``Entry`` when its closing tag
is read and then dropped from the tree, so a statement with 100,000 entries never sits in memory
as XML. DTDs are refused outright, which rules out entity expansion ("billion laughs") and
external entities; the parser neither resolves entities nor touches the network.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from lxml import etree

from server.payments.statements.model import (
    NO_REFERENCE,
    Entry,
    EntryRefs,
    Statement,
    StatementError,
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
    return _Reader().read(data)


class _Reader:
    def __init__(self) -> None:
        self.ns = ""
        self.n = 0
        self.version = ""
        self.statements: list[Statement] = []
        self.entries: list[Entry] = []
        self.statement_key: bytes | None = None
        self.refs = EntryRefs()

    def read(self, data: bytes) -> list[Statement]:
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
                    if element.getparent() is None:
                        self._check_document(element)
                elif element.tag == self.ns + "Ntry":
                    self._end_entry(element)
                elif element.tag == self.ns + "Stmt":
                    self._end_statement(element)
        except etree.XMLSyntaxError as error:
            # This parse's own log has the first error with its line; the exception's message is
            # sometimes only a generic "no element found", and its log spans earlier parses.
            errors = events.error_log.filter_from_errors()
            message, line = (errors[0].message, errors[0].line) if errors else (error.msg, 0)
            raise StatementError(
                f"not well-formed XML: {message}", source=SOURCE, line=line or error.lineno or 1
            ) from None
        if not self.ns:
            root = events.root
            raise StatementError(
                f"not a camt.053 document: the root element is <{etree.QName(root).localname}>",
                source=SOURCE,
                line=root.sourceline,
                element=etree.QName(root).localname,
            )
        if not self.statements:
            raise StatementError(
                "the document holds no statement <Stmt>",
                source=SOURCE,
                line=events.root.sourceline,
                element="Document",
            )
        return self.statements

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
        self.version = message

    # Entries -------------------------------------------------------------------------------

    def _end_entry(self, ntry: Element) -> None:
        parent = ntry.getparent()
        if parent is None or parent.tag != self.ns + "Stmt":
            raise self._error("<Ntry> outside a statement <Stmt>", ntry)
        entry = self._entry(ntry, parent)
        if entry is not None:
            self.entries.append(entry)
        # The entry is read; dropping it (and the one before) keeps memory flat on big files.
        ntry.clear()
        previous = ntry.getprevious()
        if previous is not None and previous.tag == ntry.tag:
            parent.remove(previous)

    def _entry(self, ntry: Element, stmt: Element) -> Entry | None:
        parts = self._entry_parts(ntry)
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
            details=self._entry_details(parts, amount),
        )

    def _entry_parts(self, ntry: Element) -> _EntryParts:
        parts = _EntryParts()
        n = self.n
        for child in ntry:
            name = child.tag[n:]
            if name in _ENTRY_MONEY:
                self._read_entry_money(parts, name, child)
            elif name in _ENTRY_BOOKING:
                self._read_entry_booking(parts, name, child)
            elif name == "NtryDtls":
                parts.transactions.extend(child.iterchildren(self.ns + "TxDtls"))
            elif name == "AddtlNtryInf":
                parts.additional_info = _text(child)
        return parts

    def _read_entry_money(self, parts: _EntryParts, name: str, child: Element) -> None:
        if name == "Amt":
            parts.amount = self._amount(child)
        elif name == "CdtDbtInd":
            parts.credit = self._credit(child)
        elif name == "RvslInd":
            parts.reversal = self._boolean(child)
        elif name == "Chrgs":
            parts.charges += self._charges(child)

    def _read_entry_booking(self, parts: _EntryParts, name: str, child: Element) -> None:
        if name == "Sts":
            parts.status = self._status(child)
        elif name == "BookgDt":
            parts.booking_date = self._date_choice(child)
        elif name == "ValDt":
            parts.value_date = self._date_choice(child)
        elif name == "NtryRef":
            parts.ntry_ref = _reference(child)
        elif name == "AcctSvcrRef":
            parts.servicer_ref = _reference(child)
        elif name == "BkTxCd":
            parts.code = self._bank_transaction_code(child)

    def _entry_details(self, parts: _EntryParts, amount: int) -> tuple[TransactionDetail, ...]:
        if parts.transactions:
            return self._details(parts.transactions, amount)
        # An entry without transaction details still gets one detail, so that matching code
        # only ever looks at details; the bank's free text is its remittance information.
        return (
            TransactionDetail(
                amount_cents=amount,
                remittance_text=parts.additional_info,
                account_servicer_ref=parts.servicer_ref,
            ),
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
        digest.update(b"\x1e%d\x1e" % len(self.entries))
        digest.update(etree.tostring(ntry, method="c14n"))
        return "H" + digest.hexdigest()[:32]

    def _details(
        self, transactions: list[Element], entry_amount: int
    ) -> tuple[TransactionDetail, ...]:
        details = []
        for transaction in transactions:
            detail, has_amount = self._detail(transaction)
            if not has_amount:
                if len(transactions) > 1:
                    raise self._error(
                        "a transaction of a batch entry has no amount (<AmtDtls>/<TxAmt>/<Amt> "
                        "or <Amt>)",
                        transaction,
                    )
                detail = replace(detail, amount_cents=entry_amount)
            details.append(detail)
        return tuple(details)

    def _detail(self, tx: Element) -> tuple[TransactionDetail, bool]:
        parts = _DetailParts()
        n = self.n
        for child in tx:
            name = child.tag[n:]
            if name == "Refs":
                self._read_refs(parts, child)
            elif name == "Amt":
                parts.amount = self._amount(child)
            elif name == "AmtDtls":
                tx_amount = self._first(child, "TxAmt", "Amt")
                if tx_amount is not None:
                    parts.transaction_amount = self._amount(tx_amount)
            elif name == "RltdPties":
                self._read_parties(parts, child)
            elif name == "RmtInf":
                self._read_remittance(parts, child)
            elif name == "RtrInf":
                self._read_return_reason(parts, child)
        return parts.detail(), parts.booked_amount() is not None

    def _read_refs(self, parts: _DetailParts, refs: Element) -> None:
        n = self.n
        for ref in refs:
            name = ref.tag[n:]
            if name == "EndToEndId":
                parts.end_to_end_id = _text(ref)
            elif name == "AcctSvcrRef":
                parts.servicer_ref = _text(ref) or None
            elif name == "InstrId":
                parts.instruction_id = _text(ref) or None
            elif name == "MndtId":
                parts.mandate_id = _text(ref) or None

    def _read_parties(self, parts: _DetailParts, parties: Element) -> None:
        n = self.n
        for party in parties:
            name = party.tag[n:]
            if name == "Dbtr":
                parts.debtor_name = self._party_name(party)
            elif name == "DbtrAcct":
                parts.debtor_iban = self._iban(party)
            elif name == "Cdtr":
                parts.creditor_name = self._party_name(party)
            elif name == "CdtrAcct":
                parts.creditor_iban = self._iban(party)

    def _read_remittance(self, parts: _DetailParts, remittance: Element) -> None:
        n = self.n
        for info in remittance:
            name = info.tag[n:]
            if name == "Ustrd":
                text = _text(info)
                if text:
                    parts.texts.append(text)
            elif name == "Strd" and parts.creditor_reference is None:
                reference = self._first(info, "CdtrRefInf", "Ref")
                parts.creditor_reference = None if reference is None else _text(reference) or None

    def _read_return_reason(self, parts: _DetailParts, return_info: Element) -> None:
        reason = self._first(return_info, "Rsn", "Cd")
        if reason is None:
            reason = self._first(return_info, "Rsn", "Prtry")
        if reason is not None:
            parts.return_reason = _text(reason) or None

    def _party_name(self, party: Element) -> str | None:
        # .001.02 to .001.06 put the name directly under Dbtr/Cdtr; from .001.07 on it sits in
        # Pty (a party) or, for a bank as party, Agt/FinInstnId.
        n = self.n
        for child in party:
            kind = child.tag[n:]
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

    def _end_statement(self, stmt: Element) -> None:
        parent = stmt.getparent()
        if parent is None or parent.tag != self.ns + "BkToCstmrStmt":
            raise self._error("<Stmt> outside <BkToCstmrStmt>", stmt)
        self.statements.append(self._statement(stmt))
        self.entries = []
        self.statement_key = None
        self.refs = EntryRefs()
        stmt.clear()
        previous = stmt.getprevious()
        if previous is not None and previous.tag == stmt.tag:
            parent.remove(previous)

    def _statement(self, stmt: Element) -> Statement:
        n = self.n
        ns = self.ns
        statement_id: str | None = None
        created_at: datetime | None = None
        from_date: date | None = None
        to_date: date | None = None
        iban: str | None = None
        currency = "EUR"
        balances: dict[str, int] = {}
        for child in stmt:
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
            entries=tuple(self.entries),
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


# The children of <Ntry> that say how much moved which way, and those of the bank's booking.
_ENTRY_MONEY = frozenset({"Amt", "CdtDbtInd", "RvslInd", "Chrgs"})
_ENTRY_BOOKING = frozenset({"Sts", "BookgDt", "ValDt", "NtryRef", "AcctSvcrRef", "BkTxCd"})


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

    def booked_amount(self) -> int | None:
        # The transaction amount in account currency is the one booked; Amt may be the
        # instructed amount.
        return self.transaction_amount if self.transaction_amount is not None else self.amount

    def detail(self) -> TransactionDetail:
        end_to_end_id = self.end_to_end_id
        return TransactionDetail(
            amount_cents=self.booked_amount() or 0,
            end_to_end_id=None if end_to_end_id in (None, "", "NOTPROVIDED") else end_to_end_id,
            remittance_text=" ".join(self.texts),
            creditor_reference=self.creditor_reference,
            debtor_name=self.debtor_name,
            debtor_iban=self.debtor_iban,
            creditor_name=self.creditor_name,
            creditor_iban=self.creditor_iban,
            return_reason=self.return_reason,
            account_servicer_ref=self.servicer_ref,
            instruction_id=self.instruction_id,
            mandate_id=self.mandate_id,
        )


def _text(element: Element) -> str:
    return (element.text or "").strip()


def _reference(element: Element) -> str | None:
    value = _text(element)
    return None if value in NO_REFERENCE else value
