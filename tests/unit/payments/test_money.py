from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.payments.money import AmountError, decimal_string, parse_amount


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("25", 2500),
        ("25.00", 2500),
        ("25,00", 2500),
        ("1.234,56", 123456),
        ("0,01", 1),
        (" 30,5 € ", 3050),
        ("999999999.99", 99999999999),
    ],
)
def test_amounts_people_type_are_read_exactly(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("25,001", "more than two decimals"),
        ("0", "not a positive"),
        ("-5", "not a positive"),
        ("abc", "not an amount"),
        ("", "not an amount"),
        ("NaN", "not an amount"),
        ("Infinity", "not an amount"),
        ("1000000000", "too large"),
    ],
)
def test_bad_amounts_are_refused_with_the_reason(text: str, why: str) -> None:
    with pytest.raises(AmountError, match=why):
        parse_amount(text)


@given(st.integers(min_value=1, max_value=99_999_999_999))
def test_decimal_strings_round_trip(cents: int) -> None:
    assert parse_amount(decimal_string(cents)) == cents
    assert decimal_string(-cents) == "-" + decimal_string(cents)
