"""Any statements the model and camt.053 can both carry are written schema-valid and read back
unchanged."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from server.payments.statements import (
    Entry,
    Statement,
    TransactionDetail,
    parse_camt053,
    write_camt053,
)
from tests.unit.payments.statements.conftest import SCHEMAS

MESSAGE_CREATED = datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC)

# What camt.053 text fields hold without change on the way: no control characters, no
# leading/trailing or doubled spaces (the reader strips and joins lines with single spaces).
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZäöüÄÖÜßéçñ0123456789"
_WORD = st.text(alphabet=_LETTERS + ".,-/&'()+:?", min_size=1, max_size=30)
_IDENTIFIER = st.text(alphabet=_LETTERS[:62] + "-/.+", min_size=1, max_size=35).filter(
    lambda value: value != "NOTPROVIDED"
)


def _words(max_words: int, max_length: int) -> st.SearchStrategy[str]:
    return (
        st.lists(_WORD, max_size=max_words)
        .map(" ".join)
        .filter(lambda text: len(text) <= max_length)
    )


_IBAN = st.from_regex(r"DE[0-9]{20}", fullmatch=True)
_DAY = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
_ZONE = st.sampled_from([None, UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=2))])
_MOMENT = st.builds(
    lambda moment, zone: moment.replace(tzinfo=zone),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)),
    _ZONE,
)
_NAME = _words(6, 140).filter(bool)
_CODE = st.one_of(
    st.none(),
    st.from_regex(r"[A-Z]{4}-[A-Z]{4}-[A-Z]{4}", fullmatch=True),
    st.from_regex(r"N[A-Z]{3}\+[0-9]{3}\+[0-9]{5}", fullmatch=True),
)

_DETAIL = st.builds(
    TransactionDetail,
    amount_cents=st.integers(min_value=0, max_value=99_999_999_999),
    end_to_end_id=st.one_of(st.none(), _IDENTIFIER),
    remittance_text=_words(40, 500),
    creditor_reference=st.one_of(
        st.none(), st.from_regex(r"RF[0-9]{2}[0-9A-Z]{1,21}", fullmatch=True), _IDENTIFIER
    ),
    debtor_name=st.one_of(st.none(), _NAME),
    debtor_iban=st.one_of(st.none(), _IBAN),
    creditor_name=st.one_of(st.none(), _NAME),
    creditor_iban=st.one_of(st.none(), _IBAN),
    return_reason=st.one_of(
        st.none(), st.sampled_from(["AC04", "MD06", "AM04", "MS03"]), _IDENTIFIER
    ),
    account_servicer_ref=st.one_of(st.none(), _IDENTIFIER),
    instruction_id=st.one_of(st.none(), _IDENTIFIER),
    mandate_id=st.one_of(st.none(), _IDENTIFIER),
)

_ENTRY = st.builds(
    Entry,
    entry_ref=_IDENTIFIER.filter(lambda value: value != "NONREF"),
    amount_cents=st.integers(min_value=1, max_value=99_999_999_999),
    credit=st.booleans(),
    reversal=st.booleans(),
    status=st.sampled_from(["BOOK", "PDNG", "INFO"]),
    booking_date=st.one_of(st.none(), _DAY),
    value_date=st.one_of(st.none(), _DAY),
    bank_transaction_code=_CODE,
    charges_cents=st.integers(min_value=0, max_value=100_000),
    # An entry without details is read back with one (see test_camt053_writer).
    details=st.lists(_DETAIL, min_size=1, max_size=4).map(tuple),
)


@st.composite
def _statements(draw: st.DrawFn) -> Statement:
    period = draw(st.one_of(st.none(), st.tuples(_DAY, _DAY)))
    opening, closing = draw(
        st.tuples(
            st.one_of(st.none(), st.integers(-(10**12), 10**12)),
            st.one_of(st.none(), st.integers(-(10**12), 10**12)),
        ).filter(lambda balances: balances != (None, None))
    )
    return Statement(
        statement_id=draw(_IDENTIFIER),
        account_iban=draw(_IBAN),
        created_at=draw(st.one_of(st.none(), _MOMENT)),
        from_date=period[0] if period else None,
        to_date=period[1] if period else None,
        opening_balance_cents=opening,
        closing_balance_cents=closing,
        # References are unique within a statement (a repeat would be numbered "/2").
        entries=tuple(draw(st.lists(_ENTRY, max_size=5, unique_by=lambda e: e.entry_ref))),
    )


@settings(max_examples=100, deadline=None)
@given(
    statements=st.lists(_statements(), min_size=1, max_size=3),
    version=st.sampled_from(["001.02", "001.08"]),
)
def test_written_statements_read_back_equal(statements: list[Statement], version: str) -> None:
    data = write_camt053(statements, version=version, created_at=MESSAGE_CREATED)
    SCHEMAS.validate(data, version)
    expected = []
    for statement in statements:
        created_at = statement.created_at
        if created_at is None and version == "001.02":
            created_at = MESSAGE_CREATED  # .001.02 requires a statement creation time
        expected.append(
            replace(statement, created_at=created_at, source_format=f"camt.053.{version}")
        )
    assert parse_camt053(data) == expected
