"""Amounts of money: integer cents inside the portal, decimal strings at its edges (as a reader
reads them: ``server.formatting.euro``)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

MAX_CENTS = 99_999_999_999  # 999,999,999.99 EUR, the largest amount a SEPA transfer carries


class AmountError(ValueError):
    """An amount that is not a positive euro amount with at most two decimals."""


_GERMAN_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$")


def parse_amount(text: str) -> int:
    """Cents from "25", "25.00", "25,00" or "1.234,56"; refuses zero, negatives, fractions of
    a cent and anything that is not a number."""
    value = text.strip().replace("\u00a0", "").replace(" ", "").removesuffix("€").strip()
    if _GERMAN_GROUPED.match(value):
        value = value.replace(".", "")
    value = value.replace(",", ".")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise AmountError(f"not an amount: {text!r}") from None
    if not amount.is_finite():
        raise AmountError(f"not an amount: {text!r}")
    if amount != amount.quantize(Decimal("0.01")):
        raise AmountError(f"more than two decimals: {text!r}")
    cents = int(amount * 100)
    if cents <= 0:
        raise AmountError(f"not a positive amount: {text!r}")
    if cents > MAX_CENTS:
        raise AmountError(f"too large: {text!r}")
    return cents


def decimal_string(cents: int) -> str:
    """ "25.00" for 2500: how amounts leave the portal in exports and JSON."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"
