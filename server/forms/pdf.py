"""The A4 page of a form receipt: letterhead, label/value rows, headings that do not stand
alone at the foot of a page, and a footer with the page count on every page. Text is never
read as markup and characters the font lacks show as U+FFFD (``printable``)."""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from server.fines.letter_pdf import BOTTOM_MARGIN, INFO_LEFT, LEFT, RIGHT, TEXT_WIDTH
from server.fines.receipt_pdf import add_fonts, printable

_TOTAL_PAGES = "{nb}"
_HEADING_ROOM = 18.0
_LABEL_WIDTH = 58.0


class ReceiptDocument(FPDF):
    def __init__(self, *, footer: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer
        self.set_margins(LEFT, 18, RIGHT)
        self.set_auto_page_break(auto=True, margin=BOTTOM_MARGIN)
        self.sans = add_fonts(self)

    def header(self) -> None:
        # The page count placeholder is live only in the footer, never in a citizen's text.
        self.alias_nb_pages("")

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

    def paragraph(self, text: str, *, size: float = 10, style: str = "", gap: float = 2) -> None:
        self.set_font(self.sans, style, size)
        self.set_x(LEFT)
        self.multi_cell(
            TEXT_WIDTH,
            size * 0.46,
            printable(self, text),
            align="L",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.ln(gap)

    def heading(self, text: str) -> None:
        if self.get_y() + _HEADING_ROOM > self.page_break_trigger:
            self.add_page()
        self.ln(1.5)
        self.paragraph(text, size=11, style="B", gap=1)

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
