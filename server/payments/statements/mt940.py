"""Reading MT940 bank statements as German banks deliver them.

MT940 is the SWIFT text format of the *Kontoauszug*, still offered by every German bank next to
camt.053. A file holds one or more statements, each a run of fields ``:TAG:value``:

- ``:20:`` the statement reference (Sparkassen always write ``STARTUMSE``), ``:25:`` the
  account (``BLZ/Kontonummer`` or an IBAN), ``:28C:`` statement number/page,
- ``:60F:``/``:60M:`` opening balance and ``:62F:``/``:62M:`` closing balance
  (``C``/``D``, ``YYMMDD``, currency, amount with a decimal comma),
- ``:61:`` one entry: value date, optional booking date ``MMDD``, ``C``/``D`` or ``RC``/``RD``
  (reversal of a credit, which is a debit, and of a debit, which is a credit), an optional
  funds code letter, the amount, the SWIFT transaction type (``NMSC``, ``N051``), the customer
  reference and the bank's reference after ``//``,
- ``:86:`` the entry's details. German banks structure it by the *Geschäftsvorfallcode* (GVC,
  three digits) and subfields ``?00`` posting text, ``?10`` *Primanota*, ``?20``–``?29`` and
  ``?60``–``?63`` purpose (*Verwendungszweck*), ``?30`` BIC or *Bankleitzahl*, ``?31`` IBAN or
  account number, ``?32``/``?33`` name of the other party, ``?34`` GVC supplement. SEPA
  payments carry keywords inside the purpose: ``EREF+`` end-to-end reference, ``KREF+``
  customer reference, ``MREF+`` mandate reference, ``CRED+`` creditor id, ``SVWZ+`` the
  remittance text proper, ``ABWA+``/``ABWE+`` ultimate debtor/creditor.

How that lands in the model: the statement id is ``:20:`` and ``:28C:`` (``STARTUMSE/00045/001``,
since ``:20:`` alone repeats), the period runs from the opening to the closing balance date.
Each ``:61:`` becomes one entry with one detail: ``EREF+`` is the end-to-end id, ``SVWZ+`` the
remittance text (the whole purpose when there are no keywords), ``KREF+`` the instruction id,
``MREF+`` the mandate id, an ``RF…`` reference that makes up the whole remittance text the
creditor reference; the purpose with all keywords is kept as ``raw_text``. The other party
(``?32``/``?33``, ``?31`` if it is an IBAN) is the debtor of a credit and the creditor of a
debit. The bank code is the SWIFT type plus GVC (``NTRF+166``). Entries of 0,00 (an account
closing without fees) carry no money and are left out. MT940 has no return reason code, no
charges and no creation time; those stay empty.

Files come in UTF-8, ISO 8859-1 or DOS code page 850; the module tells them apart (see
``_decode``). The wrapped SWIFT form with ``{1:…}{2:…}{4:`` blocks is read too.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date

from server.payments.statements.model import (
    NO_REFERENCE,
    Entry,
    EntryRefs,
    Statement,
    StatementError,
    TransactionDetail,
    cents_from_decimal,
)

SOURCE = "MT940"
SOURCE_FORMAT = "mt940"
# Banks cut the 140 characters of a SEPA purpose into subfields of this width.
SUBFIELD_WIDTH = 27
# An MT940 line holds 65 characters; the first line of :86: loses four to the tag.
LINE_WIDTH = 65

# ":NS:" (non-SWIFT) is a bank's own field; it is recognised only to be ignored.
_TAG = re.compile(r":(\d\d[A-Z]?|NS):(.*)")
_BALANCE = re.compile(r"(?P<mark>[CD])(?P<date>\d{6})(?P<currency>[A-Z]{3})(?P<amount>\d[\d,]*)")
_ENTRY = re.compile(
    r"(?P<value_date>\d{6})(?P<booking_date>\d{4})?(?P<mark>RC|RD|C|D)(?P<funds>[A-Z])?"
    r"(?P<amount>\d[\d,]*)(?P<type>[NFS][A-Z0-9]{3})(?P<reference>.*?)(?://(?P<bank_ref>.*))?"
)
_SEPA_KEYWORDS = re.compile(
    r"(EREF|KREF|MREF|CRED|DEBT|COAM|OAMT|SVWZ|ABWA|ABWE|IBAN|BIC ?|PURP|MDAT|SQTP|DDAT|ORCR|ORMR)"
    r"\+"
)
_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}")
_RF_REFERENCE = re.compile(r"RF\d{2}[0-9A-Z]{1,21}")
_C1_CONTROLS = re.compile(rb"[\x80-\x9f]")
_PURPOSE_KEYS = frozenset([*(f"2{digit}" for digit in range(10)), "60", "61", "62", "63"])


def parse_mt940(data: bytes) -> list[Statement]:
    """Every statement of an MT940 file, in file order.

    Raises ``StatementError`` naming the line and field tag for anything malformed: a field
    outside a statement, a missing balance, a bad date, an amount without decimal comma or with
    more than two decimals, a currency other than euro.
    """
    fields = _fields(_decode(data).split("\n"))
    if not fields:
        raise StatementError("no MT940 field (:20:) in the file", source=SOURCE, line=1)
    return [_statement(group) for group in _group(fields)]


def _decode(data: bytes) -> str:
    text = data.removeprefix(b"\xef\xbb\xbf")
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        # ISO 8859-1 never uses the bytes 0x80-0x9F (C1 controls); code page 850 puts its
        # umlauts there (ä = 0x84, ü = 0x81, ß = 0xE1). So those bytes tell the two apart.
        decoded = text.decode("cp850" if _C1_CONTROLS.search(text) else "latin-1")
    return decoded.replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class _Field:
    tag: str
    value: str
    line: int


def _fields(lines: list[str]) -> list[_Field]:
    fields: list[_Field] = []
    in_message = True
    for number, line in enumerate(lines, start=1):
        if line.startswith("{"):
            # SWIFT envelope: {1:…}{2:…}{3:…}{4: opens the text block, "-}" closes it.
            _, opening, rest = line.partition("{4:")
            in_message = bool(opening)
            line = rest
            if not line.strip():
                continue
        stripped = line.strip()
        if not stripped:
            continue
        if stripped == "-" or stripped.startswith("-}"):
            in_message = not stripped.startswith("-}")
            continue
        if not in_message:
            continue
        match = _TAG.match(line)
        if match:
            fields.append(_Field(match.group(1), match.group(2), number))
        elif fields:
            # A field longer than a line goes on without a tag (":86:" wraps at 65 characters).
            fields[-1].value += "\n" + line
        else:
            raise StatementError(
                "the file does not start with an MT940 field such as :20:",
                source=SOURCE,
                line=number,
            )
    return fields


def _group(fields: list[_Field]) -> list[list[_Field]]:
    if fields[0].tag != "20":
        first = fields[0]
        raise StatementError(
            "a statement must start with :20:", source=SOURCE, line=first.line, element=_tag(first)
        )
    groups: list[list[_Field]] = []
    for item in fields:
        if item.tag == "20":
            groups.append([])
        groups[-1].append(item)
    return groups


@dataclass
class _Builder:
    start: _Field
    reference: str = ""
    account: str | None = None
    number: str | None = None
    opening: tuple[int, date] | None = None
    closing: tuple[int, date] | None = None
    entries: list[tuple[_Field, _Field | None]] = field(default_factory=list)

    @classmethod
    def read(cls, group: list[_Field]) -> _Builder:
        builder = cls(start=group[0], reference=group[0].value.strip())
        previous = "20"
        for item in group[1:]:
            if item.tag == "NS":
                continue
            builder._add_field(item, previous)
            previous = item.tag
        return builder

    def _add_field(self, item: _Field, previous: str) -> None:
        tag = item.tag
        if tag == "25":
            self.account = "".join(item.value.split())
        elif tag in ("28C", "28"):
            self.number = item.value.strip()
        elif tag in ("60F", "60M"):
            self.opening = _balance(item)
        elif tag in ("62F", "62M"):
            self.closing = _balance(item)
        elif tag == "61":
            self.entries.append((item, None))
        elif tag == "86" and previous == "61":
            # :86: right after :61: describes that entry; one elsewhere (after :62F:) is
            # information about the statement.
            self.entries[-1] = (self.entries[-1][0], item)

    @property
    def statement_id(self) -> str:
        # :20: alone repeats (Sparkassen always write STARTUMSE); the number tells them apart.
        return f"{self.reference}/{self.number}" if self.number else self.reference


def _statement(group: list[_Field]) -> Statement:
    builder = _Builder.read(group)
    account, opening, closing = builder.account, builder.opening, builder.closing
    if account is None:
        raise _error("the statement has no account :25:", builder.start)
    if opening is None:
        raise _error("the statement has no opening balance :60F:", builder.start)
    if closing is None:
        raise _error("the statement has no closing balance :62F:", builder.start)
    statement_id = builder.statement_id
    identity = "\x1f".join(
        [account, statement_id, opening[1].isoformat(), closing[1].isoformat()]
    ).encode()
    return Statement(
        statement_id=statement_id,
        account_iban=account,
        currency="EUR",
        created_at=None,
        from_date=opening[1],
        to_date=closing[1],
        opening_balance_cents=opening[0],
        closing_balance_cents=closing[0],
        entries=_entries(builder.entries, identity),
        source_format=SOURCE_FORMAT,
    )


def _entries(lines: list[tuple[_Field, _Field | None]], identity: bytes) -> tuple[Entry, ...]:
    refs = EntryRefs()
    entries = (
        _entry(line_61, line_86, identity, index, refs)
        for index, (line_61, line_86) in enumerate(lines)
    )
    return tuple(entry for entry in entries if entry is not None)


def _balance(item: _Field) -> tuple[int, date]:
    match = _BALANCE.fullmatch(item.value.strip())
    if not match:
        raise _error(
            f"balance {item.value.strip()!r} is not C/D, YYMMDD, currency and amount", item
        )
    _check_currency(match.group("currency"), item)
    cents = _cents(match.group("amount"), item)
    day = _date(match.group("date"), item)
    return (cents if match.group("mark") == "C" else -cents), day


def _entry(
    line_61: _Field, line_86: _Field | None, identity: bytes, index: int, refs: EntryRefs
) -> Entry | None:
    first_line = line_61.value.split("\n", 1)[0].strip()
    match = _ENTRY.fullmatch(first_line)
    if not match:
        raise _error(
            f"entry {first_line!r} is not value date, C/D/RC/RD, amount, type and reference",
            line_61,
        )
    amount = _cents(match.group("amount"), line_61)
    if amount == 0:
        # A 0,00 booking (an account closing without fees) moves no money; entries are > 0.
        return None
    value_date = _date(match.group("value_date"), line_61)
    booking_date = _booking_date(match.group("booking_date"), value_date, line_61)
    mark = match.group("mark")
    credit = mark in ("C", "RD")
    bank_ref: str | None = (match.group("bank_ref") or "").strip()
    if bank_ref in NO_REFERENCE:
        bank_ref = None
    details = _Details.parse(line_86.value if line_86 else "")
    code = match.group("type")
    if details.gvc:
        code = "+".join(part for part in (code, details.gvc, details.subfields.get("34")) if part)
    if bank_ref:
        entry_ref = refs.unique(bank_ref)
    else:
        digest = hashlib.sha256(identity)
        digest.update(b"\x1e%d\x1e" % index)
        digest.update(line_61.value.encode())
        digest.update(b"\x1e" + (line_86.value.encode() if line_86 else b""))
        entry_ref = "H" + digest.hexdigest()[:32]
    counterparty_name = details.name or None
    counterparty_iban = details.iban
    detail = TransactionDetail(
        amount_cents=amount,
        end_to_end_id=details.keyword("EREF"),
        remittance_text=details.remittance,
        creditor_reference=details.creditor_reference,
        debtor_name=counterparty_name if credit else None,
        debtor_iban=counterparty_iban if credit else None,
        creditor_name=None if credit else counterparty_name,
        creditor_iban=None if credit else counterparty_iban,
        account_servicer_ref=bank_ref,
        instruction_id=details.keyword("KREF"),
        mandate_id=details.keyword("MREF"),
        raw_text=details.purpose,
    )
    return Entry(
        entry_ref=entry_ref,
        amount_cents=amount,
        credit=credit,
        reversal=mark.startswith("R"),
        status="BOOK",
        booking_date=booking_date,
        value_date=value_date,
        bank_transaction_code=code,
        charges_cents=0,
        details=(detail,),
    )


@dataclass
class _Details:
    """The parts of a ``:86:`` field the portal uses."""

    gvc: str | None
    subfields: dict[str, str]
    purpose: str
    keywords: dict[str, str]
    remittance: str
    name: str
    iban: str | None

    @classmethod
    def parse(cls, value: str) -> _Details:
        # Line breaks fall anywhere, also inside a subfield, so they carry no meaning.
        flat = value.replace("\n", "")
        structured = (
            len(flat) >= 4 and flat[:3].isdigit() and not flat[3].isalnum() and flat[3] != " "
        )
        if structured:
            gvc: str | None = flat[:3]
            subfields, purpose_chunks, name_chunks = _subfields(flat[4:], flat[3])
            purpose = _join_chunks(purpose_chunks)
        else:
            # Free text, wrapped at the line width: a full line was cut, a short one ended.
            lines = value.split("\n")
            widths = [LINE_WIDTH - len(":86:")] + [LINE_WIDTH] * (len(lines) - 1)
            gvc, subfields, name_chunks = None, {}, []
            purpose = _join_chunks(lines, widths)
        keywords, free_text = _sepa_keywords(purpose)
        remittance = keywords.get("SVWZ", free_text) if keywords else purpose
        account = subfields.get("31", "").replace(" ", "")
        iban = account if _IBAN.fullmatch(account) else None
        if iban is None and _IBAN.fullmatch(keywords.get("IBAN", "")):
            iban = keywords["IBAN"]
        return cls(
            gvc,
            subfields,
            purpose,
            keywords,
            remittance,
            _join_chunks(name_chunks),
            iban,
        )

    @property
    def creditor_reference(self) -> str | None:
        # MT940 has no field for the structured reference: banks put an ISO 11649 reference
        # the payer gave as the whole remittance text.
        compact = self.remittance.replace(" ", "").upper()
        return compact if _RF_REFERENCE.fullmatch(compact) else None

    def keyword(self, name: str) -> str | None:
        value = self.keywords.get(name)
        return None if not value or value == "NOTPROVIDED" else value


def _subfields(text: str, separator: str) -> tuple[dict[str, str], list[str], list[str]]:
    subfields: dict[str, str] = {}
    purpose: list[str] = []
    names: list[str] = []
    keys: list[str] = []
    values: list[str] = []
    for part in text.split(separator):
        if len(part) >= 2 and part[:2].isdigit():
            keys.append(part[:2])
            values.append(part[2:])
        elif values:
            # The separator inside a value (it is a legal SWIFT character): keep it as text.
            values[-1] += separator + part
    for key, value in zip(keys, values, strict=True):
        if key in _PURPOSE_KEYS:
            purpose.append(value)
        elif key in ("32", "33"):
            names.append(value)
        else:
            subfields[key] = value.strip()
    return subfields, purpose, names


def _join_chunks(chunks: list[str], widths: list[int] | None = None) -> str:
    # A subfield filled to the full width was cut mid-text and continues in the next one; a
    # shorter one ended where the payer's text had a break (or the bank cut a trailing space).
    text = ""
    for index, chunk in enumerate(chunks):
        text += chunk
        width = SUBFIELD_WIDTH if widths is None else widths[index]
        if index + 1 < len(chunks) and len(chunk) < width:
            text += " "
    return " ".join(text.split())


def _sepa_keywords(purpose: str) -> tuple[dict[str, str], str]:
    matches = list(_SEPA_KEYWORDS.finditer(purpose))
    if not matches:
        return {}, purpose
    keywords: dict[str, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(purpose)
        name = match.group(1).strip()
        value = purpose[match.end() : end].strip()
        keywords[name] = f"{keywords[name]} {value}" if name in keywords else value
    return keywords, purpose[: matches[0].start()].strip()


def _cents(text: str, item: _Field) -> int:
    integer, comma, fraction = text.partition(",")
    if not comma or "," in fraction:
        raise _error(f"amount {text!r} needs exactly one decimal comma", item)
    if len(fraction.rstrip("0")) > 2:
        raise _error(f"amount {text!r} has more than two decimals", item)
    try:
        return cents_from_decimal(f"{integer}.{fraction}")
    except ValueError:
        raise _error(f"amount {text!r} is not an amount", item) from None


def _check_currency(currency: str, item: _Field) -> None:
    if currency != "EUR":
        raise _error(
            f"currency {currency!r} is not supported: the portal books euro (EUR) only", item
        )


def _date(text: str, item: _Field) -> date:
    try:
        # SWIFT's two-digit years: MT940 statements of the last century are not read here.
        return date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]))
    except ValueError:
        raise _error(f"{text!r} is not a date (YYMMDD)", item) from None


def _booking_date(text: str | None, value_date: date, item: _Field) -> date | None:
    if text is None:
        return None
    month, day = int(text[:2]), int(text[2:])
    year = value_date.year
    # Booked on 30 December, value 2 January (or the other way round): the year turns over.
    if month == 12 and value_date.month == 1:
        year -= 1
    elif month == 1 and value_date.month == 12:
        year += 1
    try:
        return date(year, month, day)
    except ValueError:
        raise _error(f"booking date {text!r} is not a date (MMDD)", item) from None


def _tag(item: _Field) -> str:
    return f":{item.tag}:"


def _error(reason: str, item: _Field) -> StatementError:
    return StatementError(reason, source=SOURCE, line=item.line, element=_tag(item))
