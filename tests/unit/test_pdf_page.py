"""``Page.text_cell``: a text is drawn exactly as fpdf2's ``multi_cell`` draws it, byte for
byte, whether it fits on one line (drawn as one cell, without the line breaking) or not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from server.pdf.page import LEFT, TEXT_WIDTH, Page

TEXTS = [
    "Kassenzeichen",
    "Jürgen Groß-Öztürk, Straße 5: 25,00\xa0€",
    "two  spaces   inside",
    " leading space",
    "trailing space ",
    "soft\xadhyphen",
    "a line\nand another",
    "tab\there",
    "Ein Grund, der länger ist als eine Zeile des Feldes und deshalb umbrochen werden muss, "
    "mit Wörtern wie Verwarnungsgeldverfahren",
    "",
]


def drawn(text: str, *, width: float, fast: bool) -> bytes:
    pdf = Page()
    pdf.describe(created=datetime(2026, 12, 6, tzinfo=UTC), title="Test", subject="Zellen")
    pdf.add_page()
    pdf.set_font(pdf.sans, "", 10)
    for new_x, new_y in ((XPos.RIGHT, YPos.NEXT), (XPos.LMARGIN, YPos.NEXT)):
        pdf.set_x(LEFT)
        if fast:
            pdf.text_cell(width, 4.8, text, new_x=new_x, new_y=new_y)
        else:
            pdf.multi_cell(width, 4.8, text, align="L", new_x=new_x, new_y=new_y)
        pdf.cell(text="after")  # where the next text starts
    return bytes(pdf.output())


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("width", [40.0, TEXT_WIDTH])
def test_a_text_is_drawn_as_multi_cell_draws_it(text: str, width: float) -> None:
    assert drawn(text, width=width, fast=True) == drawn(text, width=width, fast=False)


def test_a_text_near_the_end_of_its_line_is_drawn_as_multi_cell_draws_it() -> None:
    pdf = Page()
    pdf.set_font(pdf.sans, "", 10)
    text = "Verwarnungsgeld"
    exact = pdf.get_string_width(text) + 2 * pdf.c_margin
    for width in (exact - 0.1, exact - 0.01, exact, exact + 0.01, exact + 0.1):
        assert drawn(text, width=width, fast=True) == drawn(text, width=width, fast=False)


def test_one_line_is_drawn_without_the_line_breaking(monkeypatch: pytest.MonkeyPatch) -> None:
    broken: list[str] = []
    real = FPDF.multi_cell

    def counted(
        pdf: FPDF, w: float, h: float | None = None, text: str = "", **kw: object
    ) -> object:
        broken.append(text)
        return real(pdf, w, h, text, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(FPDF, "multi_cell", counted)
    drawn(TEXTS[1], width=TEXT_WIDTH, fast=True)
    assert broken == []
    drawn(TEXTS[8], width=40.0, fast=True)
    assert broken == [TEXTS[8], TEXTS[8]]
