"""The A4 page of a receipt (forms, proofs of payment): letterhead, label/value rows, headings
that do not stand alone at the foot of a page, and a footer with the page count on every page.
Text is never read as markup and characters the font lacks show as U+FFFD (``printable``)."""

from __future__ import annotations

from fpdf.enums import XPos, YPos

from server.pdf.page import INFO_LEFT, LEFT, TEXT_WIDTH, ReceiptPage, printable

_TOTAL_PAGES = "{nb}"
_LABEL_WIDTH = 58.0


class ReceiptDocument(ReceiptPage):
    def __init__(self, *, footer: str) -> None:
        self.footer_text = footer
        super().__init__()

    def footer(self) -> None:
        self.alias_nb_pages(_TOTAL_PAGES)
        self.set_y(-12)
        self.set_font(self.sans, "", 7.5)
        self.set_text_color(90)
        self.cell(TEXT_WIDTH * 0.75, 4, printable(self, self.footer_text))
        self.cell(TEXT_WIDTH * 0.25, 4, f"Seite {self.page_no()} von {_TOTAL_PAGES}", align="R")
        self.set_text_color(0)

    def letterhead(self, authority: str, subject: str) -> None:
        self.set_xy(LEFT, 14)
        self.set_font(self.sans, "B", 13)
        self.multi_cell(INFO_LEFT - LEFT - 5, 6, printable(self, authority), align="L")
        bottom = self.get_y()
        self.set_font(self.sans, "", 8)
        self.set_xy(INFO_LEFT, 14)
        self.multi_cell(TEXT_WIDTH - (INFO_LEFT - LEFT), 3.8, printable(self, subject))
        self.set_xy(LEFT, max(bottom, self.get_y()) + 10)

    def facts(self, rows: tuple[tuple[str, str], ...]) -> None:
        for label, value in rows:
            if self.get_y() + 10 > self.page_break_trigger:
                self.add_page()
            y = self.get_y()
            self.set_font(self.sans, "", 9)
            self.set_text_color(90)
            self.set_xy(LEFT, y)
            self.multi_cell(_LABEL_WIDTH - 3, 4.5, printable(self, label), align="L")
            label_bottom = self.get_y()
            self.set_text_color(0)
            self.set_font(self.sans, "", 10)
            self.set_xy(LEFT + _LABEL_WIDTH, y)
            self.multi_cell(
                TEXT_WIDTH - _LABEL_WIDTH,
                4.8,
                printable(self, value),
                align="L",
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
            if y < self.get_y() < label_bottom:  # the label ran longer than the value
                self.set_y(label_bottom)
            self.ln(1)
        self.ln(2)
