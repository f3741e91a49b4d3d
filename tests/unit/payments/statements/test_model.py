from __future__ import annotations

import pytest

from server.payments.statements.model import (
    Entry,
    StatementError,
    TransactionDetail,
    cents_from_decimal,
    decimal_from_cents,
)


def test_error_names_source_line_and_element() -> None:
    error = StatementError(
        "amount '12.345' has more than two decimals", source="camt.053", line=57, element="Amt"
    )
    assert str(error) == "camt.053, line 57, <Amt>: amount '12.345' has more than two decimals"
    assert (error.line, error.element) == (57, "Amt")
    assert isinstance(error, ValueError)


def test_error_with_an_mt940_tag_and_without_place() -> None:
    assert str(StatementError("bad", source="MT940", line=3, element=":61:")) == (
        "MT940, line 3, field 61: bad"
    )
    assert str(StatementError("the file is empty")) == "the file is empty"


@pytest.mark.parametrize(
    ("text", "cents"),
    [("0", 0), ("12", 1200), ("12.3", 1230), ("12.34", 1234), ("12.340", 1234), (".5", 50)],
)
def test_cents_from_decimal(text: str, cents: int) -> None:
    assert cents_from_decimal(text) == cents


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("12.345", "more than two decimals"),
        ("-1.00", "not a decimal number"),
        ("1e3", "not a decimal number"),
        ("1,00", "not a decimal number"),
        ("", "not a decimal number"),
        ("NaN", "not a decimal number"),
        ("1" * 40 + ".00", "more than 18 digits"),
    ],
)
def test_cents_from_decimal_refuses(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        cents_from_decimal(text)


def test_decimal_from_cents() -> None:
    assert decimal_from_cents(123450) == "1234.50"
    assert decimal_from_cents(5) == "0.05"
    with pytest.raises(ValueError, match="never negative"):
        decimal_from_cents(-1)


def test_entries_are_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        Entry(entry_ref="X", amount_cents=0, credit=True)
    with pytest.raises(ValueError, match="never negative"):
        Entry(entry_ref="X", amount_cents=1, credit=True, charges_cents=-1)
    with pytest.raises(ValueError, match="never negative"):
        TransactionDetail(amount_cents=-1)
