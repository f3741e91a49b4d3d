"""Writing camt.053 bank statements (.001.02 or .001.08), for demo data, tests and benchmarks.

The elements follow the order of the ISO 20022 schemas (``camt.053.001.02.xsd``,
``camt.053.001.08.xsd``; the tests validate against both), so any bank software accepts the
files. What ``Statement`` holds is written; what the schema requires but the model lacks is
derived: the message id from the statement ids, ``ElctrncSeqNb`` as the statement's position
in the file, a balance date from the statement period, ``EndToEndId`` ``NOTPROVIDED`` when the
payer gave none (as banks write it). Entries are serialised one at a time into an incremental
``xmlfile``, so 100,000 entries take seconds and little memory.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Sequence
from datetime import UTC, datetime, time
from typing import Any

from lxml import etree
from lxml.etree import Element, SubElement

from server.payments.statements.model import (
    Entry,
    Statement,
    TransactionDetail,
    decimal_from_cents,
)

VERSIONS = ("001.02", "001.08")
NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:camt.053."
USTRD_MAX = 140
_ISO_11649 = re.compile(r"RF\d{2}[0-9A-Za-z]{1,21}")
_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Za-z0-9]{1,30}")


def write_camt053(
    statements: Sequence[Statement],
    *,
    version: str = "001.08",
    message_id: str | None = None,
    created_at: datetime | None = None,
) -> bytes:
    """A camt.053 document (UTF-8 bytes) holding ``statements`` in the given schema version.

    ``message_id`` defaults to a hash of the statement ids and ``created_at`` to the latest
    statement creation time (else now, in UTC), so the same statements give the same bytes.
    Raises ``ValueError`` for what camt.053 cannot carry: no statements, another currency than
    euro, a statement without any balance, identifiers longer than 35 characters, a malformed
    IBAN.
    """
    if version not in VERSIONS:
        raise ValueError(f"camt.053 version {version!r} cannot be written; use one of {VERSIONS}")
    if not statements:
        raise ValueError("a camt.053 document holds at least one statement")
    created = created_at or max(
        (statement.created_at for statement in statements if statement.created_at),
        default=None,
    )
    if created is None:
        created = datetime.now(UTC).replace(microsecond=0)
    if message_id is None:
        ids = "\x1f".join(statement.statement_id for statement in statements)
        message_id = "CAMT053-" + hashlib.sha256(ids.encode()).hexdigest()[:24]
    writer = _Writer(version)
    output = io.BytesIO()
    with etree.xmlfile(output, encoding="UTF-8") as xml:
        xml.write_declaration()
        # Everything inside Document is built without a namespace and so inherits the
        # document's default namespace when read: one declaration instead of one per subtree.
        document = f"{{{writer.namespace}}}Document"
        with xml.element(document, nsmap={None: writer.namespace}), xml.element("BkToCstmrStmt"):
            xml.write(writer.group_header(message_id, created))
            for position, statement in enumerate(statements, start=1):
                with xml.element("Stmt"):
                    xml.write(*writer.statement_header(statement, position, created))
                    for entry in statement.entries:
                        xml.write(writer.entry(entry))
    return output.getvalue()


def _leaf(parent: Any, name: str, text: str) -> Any:
    element = SubElement(parent, name)
    element.text = text
    return element


def _amount(parent: Any, name: str, cents: int) -> Any:
    element = SubElement(parent, name, Ccy="EUR")
    element.text = decimal_from_cents(cents)
    return element


class _Writer:
    """Builds the elements of one schema version; the order of the calls is the schema's."""

    def __init__(self, version: str) -> None:
        self.namespace = NAMESPACE_PREFIX + version
        self.modern = version != "001.02"

    def group_header(self, message_id: str, created: datetime) -> Any:
        header = Element("GrpHdr")
        _leaf(header, "MsgId", _max35(message_id, "message id"))
        _leaf(header, "CreDtTm", _datetime(created))
        return header

    # Statement -----------------------------------------------------------------------------

    def statement_header(self, statement: Statement, position: int, created: datetime) -> list[Any]:
        if statement.currency != "EUR":
            raise ValueError(f"statement {statement.statement_id!r}: only EUR can be written")
        if statement.opening_balance_cents is None and statement.closing_balance_cents is None:
            raise ValueError(
                f"statement {statement.statement_id!r}: camt.053 needs at least one balance"
            )
        # A holder keeps the header's elements in order; they are written one by one.
        holder = Element("Stmt")
        _leaf(holder, "Id", _max35(statement.statement_id, "statement id"))
        _leaf(holder, "ElctrncSeqNb", str(position))
        # .001.02 requires the creation time of each statement; the message's stands in.
        if statement.created_at is not None or not self.modern:
            _leaf(holder, "CreDtTm", _datetime(statement.created_at or created))
        if statement.from_date is not None and statement.to_date is not None:
            period = SubElement(holder, "FrToDt")
            _leaf(period, "FrDtTm", _datetime(datetime.combine(statement.from_date, time())))
            end = datetime.combine(statement.to_date, time(23, 59, 59))
            _leaf(period, "ToDtTm", _datetime(end))
        account = SubElement(holder, "Acct")
        _leaf(SubElement(account, "Id"), "IBAN", _iban(statement.account_iban))
        _leaf(account, "Ccy", "EUR")
        fallback_day = (
            statement.to_date or statement.from_date or (statement.created_at or created).date()
        )
        for code, cents, day in (
            ("OPBD", statement.opening_balance_cents, statement.from_date or fallback_day),
            ("CLBD", statement.closing_balance_cents, statement.to_date or fallback_day),
        ):
            if cents is not None:
                balance = SubElement(holder, "Bal")
                _leaf(SubElement(SubElement(balance, "Tp"), "CdOrPrtry"), "Cd", code)
                _amount(balance, "Amt", abs(cents))
                _leaf(balance, "CdtDbtInd", "CRDT" if cents >= 0 else "DBIT")
                _leaf(SubElement(balance, "Dt"), "Dt", day.isoformat())
        return list(holder)

    # Entries -------------------------------------------------------------------------------

    def entry(self, entry: Entry) -> Any:
        reference = _max35(entry.entry_ref, "entry reference")
        direction = "CRDT" if entry.credit else "DBIT"
        ntry = Element("Ntry")
        _leaf(ntry, "NtryRef", reference)
        _amount(ntry, "Amt", entry.amount_cents)
        _leaf(ntry, "CdtDbtInd", direction)
        if entry.reversal:
            _leaf(ntry, "RvslInd", "true")
        if self.modern:
            _leaf(SubElement(ntry, "Sts"), "Cd", entry.status)
        else:
            _leaf(ntry, "Sts", entry.status)
        if entry.booking_date is not None:
            _leaf(SubElement(ntry, "BookgDt"), "Dt", entry.booking_date.isoformat())
        if entry.value_date is not None:
            _leaf(SubElement(ntry, "ValDt"), "Dt", entry.value_date.isoformat())
        _leaf(ntry, "AcctSvcrRef", reference)
        _bank_transaction_code(ntry, entry.bank_transaction_code)
        if entry.charges_cents > 0:
            self._charges(ntry, entry.charges_cents)
        if entry.details:
            details = SubElement(ntry, "NtryDtls")
            if len(entry.details) > 1:
                batch = SubElement(details, "Btch")
                _leaf(batch, "NbOfTxs", str(len(entry.details)))
                _amount(batch, "TtlAmt", sum(detail.amount_cents for detail in entry.details))
                _leaf(batch, "CdtDbtInd", direction)
            for detail in entry.details:
                self._transaction(details, detail, direction)
        return ntry

    def _charges(self, ntry: Any, cents: int) -> None:
        charges = SubElement(ntry, "Chrgs")
        _amount(charges, "TtlChrgsAndTaxAmt", cents)
        # .001.02 puts the charge itself directly into Chrgs, later versions into Rcrd.
        record = SubElement(charges, "Rcrd") if self.modern else charges
        _amount(record, "Amt", cents)
        _leaf(record, "CdtDbtInd", "DBIT")

    def _transaction(self, parent: Any, detail: TransactionDetail, direction: str) -> None:
        tx = SubElement(parent, "TxDtls")
        refs = SubElement(tx, "Refs")
        if detail.account_servicer_ref:
            _leaf(refs, "AcctSvcrRef", _max35(detail.account_servicer_ref, "AcctSvcrRef"))
        if detail.instruction_id:
            _leaf(refs, "InstrId", _max35(detail.instruction_id, "instruction id"))
        _leaf(refs, "EndToEndId", _max35(detail.end_to_end_id or "NOTPROVIDED", "EndToEndId"))
        if detail.mandate_id:
            _leaf(refs, "MndtId", _max35(detail.mandate_id, "mandate id"))
        if self.modern:
            _amount(tx, "Amt", detail.amount_cents)
            _leaf(tx, "CdtDbtInd", direction)
        else:
            # .001.02 has no Amt in TxDtls; the booked amount goes into AmtDtls/TxAmt.
            _amount(SubElement(SubElement(tx, "AmtDtls"), "TxAmt"), "Amt", detail.amount_cents)
        self._parties(tx, detail)
        _remittance(tx, detail)
        if detail.return_reason:
            reason = SubElement(SubElement(tx, "RtrInf"), "Rsn")
            if len(detail.return_reason) <= 4:
                _leaf(reason, "Cd", detail.return_reason)
            else:
                _leaf(reason, "Prtry", _max35(detail.return_reason, "return reason"))

    def _parties(self, tx: Any, detail: TransactionDetail) -> None:
        if not (
            detail.debtor_name or detail.debtor_iban or detail.creditor_name or detail.creditor_iban
        ):
            return
        parties = SubElement(tx, "RltdPties")
        for role, name, iban in (
            ("Dbtr", detail.debtor_name, detail.debtor_iban),
            ("Cdtr", detail.creditor_name, detail.creditor_iban),
        ):
            if name:
                party = SubElement(parties, role)
                # From .001.07 on a party is a choice of a person/company (Pty) or a bank.
                holder = SubElement(party, "Pty") if self.modern else party
                _leaf(holder, "Nm", _max_text(name, 140, f"{role} name"))
            if iban:
                _leaf(SubElement(SubElement(parties, role + "Acct"), "Id"), "IBAN", _iban(iban))


def _bank_transaction_code(ntry: Any, code: str | None) -> None:
    # BkTxCd is mandatory in the schema even when its content is not known.
    element = SubElement(ntry, "BkTxCd")
    if not code:
        return
    parts = code.split("-")
    if len(parts) == 3 and all(0 < len(part) <= 4 for part in parts):
        domain = SubElement(element, "Domn")
        _leaf(domain, "Cd", parts[0])
        family = SubElement(domain, "Fmly")
        _leaf(family, "Cd", parts[1])
        _leaf(family, "SubFmlyCd", parts[2])
    else:
        _leaf(SubElement(element, "Prtry"), "Cd", _max35(code, "bank transaction code"))


def _remittance(tx: Any, detail: TransactionDetail) -> None:
    lines = _ustrd_lines(detail.remittance_text)
    if not lines and not detail.creditor_reference:
        return
    info = SubElement(tx, "RmtInf")
    for line in lines:
        _leaf(info, "Ustrd", line)
    if detail.creditor_reference:
        reference = SubElement(SubElement(info, "Strd"), "CdtrRefInf")
        if _ISO_11649.fullmatch(detail.creditor_reference):
            kind = SubElement(reference, "Tp")
            _leaf(SubElement(kind, "CdOrPrtry"), "Cd", "SCOR")
            _leaf(kind, "Issr", "ISO")
        _leaf(reference, "Ref", _max35(detail.creditor_reference, "creditor reference"))


def _ustrd_lines(text: str) -> list[str]:
    """The remittance text cut into ``Ustrd`` lines of at most 140 characters.

    Cuts fall on spaces, and the space is dropped, so that the reader's joining of the lines
    with spaces gives back the text; only a word longer than 140 characters is cut inside.
    """
    lines = []
    rest = text.strip()
    while len(rest) > USTRD_MAX:
        cut = rest.rfind(" ", 1, USTRD_MAX + 1)
        if cut <= 0:
            lines.append(rest[:USTRD_MAX])
            rest = rest[USTRD_MAX:].lstrip()
        else:
            lines.append(rest[:cut].rstrip())
            rest = rest[cut + 1 :].lstrip()
    if rest:
        lines.append(rest)
    return lines


def _datetime(value: datetime) -> str:
    return value.isoformat()


def _max35(value: str, what: str) -> str:
    return _max_text(value, 35, what)


def _max_text(value: str, limit: int, what: str) -> str:
    if not value or len(value) > limit:
        raise ValueError(f"{what} {value!r} must have 1 to {limit} characters")
    return value


def _iban(value: str) -> str:
    if not _IBAN.fullmatch(value):
        raise ValueError(f"{value!r} is not an IBAN")
    return value
