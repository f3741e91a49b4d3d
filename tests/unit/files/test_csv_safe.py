"""Cells a spreadsheet would run as a formula are neutralised (OWASP), numbers are not."""

from __future__ import annotations

import csv
import io

import pytest

from server.csv_safe import neutralise_cell, write_csv


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_each_formula_start_gets_a_quote(start: str) -> None:
    assert neutralise_cell(f"{start}SUM(1+1)") == f"'{start}SUM(1+1)"


def test_the_debtor_name_of_the_issue_is_neutralised() -> None:
    name = "@SUM(1+1)*cmd|' /C calc'!A0"
    assert neutralise_cell(name) == "'" + name


@pytest.mark.parametrize("number", ["-12.50", "-3", "0", "25.00", "12"])
def test_plain_numbers_stay(number: str) -> None:
    assert neutralise_cell(number) == number


@pytest.mark.parametrize("not_a_number", ["-1+1", "+12", "-12,50", "-1e3", "-", "-12.", "--1"])
def test_what_only_looks_like_a_number_is_neutralised(not_a_number: str) -> None:
    assert neutralise_cell(not_a_number) == "'" + not_a_number


@pytest.mark.parametrize(
    "text", ["", "Erika Mustermann", "Jonas Weiß", "RF18 5390 0754 7034", "a=b", " =1+1", "x-1"]
)
def test_ordinary_text_stays(text: str) -> None:
    assert neutralise_cell(text) == text


def test_write_csv_neutralises_every_cell_and_keeps_the_columns() -> None:
    rows = [{"name": '=HYPERLINK("http://x")', "amount": "-12.50", "note": "+1"}]
    text = write_csv(("name", "amount", "note"), rows)
    [header, row] = list(csv.reader(io.StringIO(text)))
    assert header == ["name", "amount", "note"]
    assert row == ['\'=HYPERLINK("http://x")', "-12.50", "'+1"]
