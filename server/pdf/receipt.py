"""The A4 page of a receipt (forms, hearing statements, proofs of payment): letterhead,
label/value rows, headings that do not stand alone at the foot of a page, and a footer with the
page count on every page. Not a window letter: a receipt is downloaded, not posted. Text is never
read as markup and characters the font lacks show as U+FFFD (``printable``)."""

from __future__ import annotations

from collections.abc import Sequence

from fpdf.enums import XPos, YPos

from server.pdf.page import LEFT, TEXT_WIDTH, Page
from server.pdf.text import printable

_TOTAL_PAGES = "{nb}"  # fpdf2's placeholder for the page count, filled in on output
LABEL_WIDTH = 58.0


class ReceiptDocument(Page):
    """A receipt whose every page carries ``footer`` on the left and, on the right, "Seite n
    von m" after ``reference`` (e.g. "Aktenzeichen …") where one is given."""

    def __init__(self, *, footer: str, reference: str = "") -> None:
        self.footer_text = footer
        self.footer_reference = reference
        super().__init__(top=18)

    def footer(self) -> None:
        self.alias_nb_pages(_TOTAL_PAGES)
        self.set_y(-12)
        self.set_font(self.sans, "", 7.5)
        self.set_text_color(90)
        pages = f"Seite {self.page_no()} von {_TOTAL_PAGES}"
        # The reference gets as much room as the text; without one the count needs little.
        left = 0.5 if self.footer_reference else 0.75
        right = f"{self.footer_reference} · {pages}" if self.footer_reference else pages
        self.cell(TEXT_WIDTH * left, 4, printable(self, self.footer_text))
        self.cell(TEXT_WIDTH * (1 - left), 4, printable(self, right), align="R")
        self.set_text_color(0)

    def letterhead(self, name: str, lines: Sequence[str]) -> float:
        """The letterhead, with the text going on 10 mm below it."""
        bottom = super().letterhead(name, lines)
        self.set_xy(LEFT, bottom + 10)
        return bottom

    def facts(
        self,
        rows: Sequence[tuple[str, str]],
        *,
        label_width: float = LABEL_WIDTH,
        value_style: str = "",
    ) -> None:
        """Label/value rows: the label small and grey, the value beside it; a row is not split
        over two pages."""
        for label, value in rows:
            if self.get_y() + 10 > self.page_break_trigger:
                self.add_page()
            y = self.get_y()
            self.set_font(self.sans, "", 9)
            self.set_text_color(90)
            self.set_xy(LEFT, y)
            self.text_cell(label_width - 3, 4.5, printable(self, label))
            label_bottom = self.get_y()
            self.set_text_color(0)
            self.set_font(self.sans, value_style, 10)
            self.set_xy(LEFT + label_width, y)
            self.text_cell(
                TEXT_WIDTH - label_width,
                4.8,
                printable(self, value),
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
            if y < self.get_y() < label_bottom:  # the label ran longer than the value
                self.set_y(label_bottom)
            self.ln(1)
        self.ln(2)
