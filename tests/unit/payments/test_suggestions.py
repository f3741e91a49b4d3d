"""The cash office's suggestion for a payment nobody's reference names (issue 17): the import
skips names by difflib's upper bounds before comparing them letter by letter, and must still
pick exactly what comparing every name would pick: the most similar name at 0.6 or more, the
first by id of equals."""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any, cast

import pytest

from server.payments.statement_import import _Ledger, suggest_receivable
from server.payments.statements.model import TransactionDetail

NAMES = [
    "Erika Mustermann",
    "Erika Musterfrau",
    "Mustermann, Erika",
    "E. Mustermann",
    "Max Mustermann",
    "Jonas Weiß",
    "Unbekannt",
    "",
    "erika mustermann",
    "Müller GmbH & Co. KG",
    "Mueller GmbH",
    "Person 12",
    "Person 21",
]


def compared_one_by_one(payer: str, candidates: list[tuple[int, str]]) -> int | None:
    best: tuple[float, int] | None = None
    for receivable_id, name in sorted(candidates):
        score = SequenceMatcher(None, payer.casefold(), name.casefold()).ratio()
        if best is None or score > best[0]:
            best = (score, receivable_id)
    return best[1] if best and best[0] >= 0.6 else None


def ledger_with(candidates: list[tuple[int, str]]) -> _Ledger:
    ledger = _Ledger(journal=cast(Any, None), by_rf={}, by_kassenzeichen={})
    ledger.by_open = {1000: sorted(candidates)}
    return ledger


@pytest.mark.parametrize("payer", [*NAMES, "Erika Mustermnan", "Mustermann", "Person 1"])
def test_the_suggestion_is_the_most_similar_name_as_difflib_says(payer: str) -> None:
    candidates = list(enumerate(NAMES, start=1))
    detail = TransactionDetail(amount_cents=1000, debtor_name=payer)
    expected = compared_one_by_one(payer, candidates)
    assert suggest_receivable(detail, ledger_with(candidates)) == expected
    # The same names in another order of ids: ties still go to the first by id.
    shuffled = [(100 - receivable_id, name) for receivable_id, name in candidates]
    assert suggest_receivable(detail, ledger_with(shuffled)) == compared_one_by_one(payer, shuffled)


def test_other_amounts_are_never_suggested() -> None:
    detail = TransactionDetail(amount_cents=2000, debtor_name="Erika Mustermann")
    assert suggest_receivable(detail, ledger_with([(1, "Erika Mustermann")])) is None


def test_an_exact_name_is_suggested() -> None:
    detail = TransactionDetail(amount_cents=1000, debtor_name="ERIKA MUSTERMANN")
    ledger = ledger_with([(7, "Max Mustermann"), (9, "Erika Mustermann")])
    assert suggest_receivable(detail, ledger) == 9
