"""A letter for a window envelope (DIN 5008 form B, DIN lang): fold and hole marks, the return
address and the recipient in the address window, and the information block beside it. What a
letter says belongs to its area (``server.fines.letter_pdf``, ``server.fines.objection_pdf``)."""

from __future__ import annotations

from collections.abc import Sequence

from fpdf.enums import MethodReturnValue, XPos, YPos

from server.pdf.fonts import PdfError
from server.pdf.page import (
    ADDRESS_TOP,
    ADDRESS_WIDTH,
    BOTTOM_MARGIN,
    FOLD_MARKS,
    HOLE_MARK,
    INFO_LEFT,
    INFO_TOP,
    INFO_WIDTH,
    LEFT,
    MAX_ADDRESS_LINES,
    PAGE_HEIGHT,
    RETURN_ZONE_HEIGHT,
    TEXT_WIDTH,
    Page,
)
from server.pdf.text import fitting_size, printable

RETURN_ADDRESS_SIZE = 7.0  # small print, smaller where a return address is long
ADDRESS_SIZE = 10.0
INFO_ROW = 9.5  # from one row of the information block to the next


class WindowLetter(Page):
    """A ``Page`` whose first page is a window letter's."""

    def writing_line(self, x: float, y: float, width: float) -> None:
        """A grey line to write on by hand (a form to fill in and sign)."""
        self.set_draw_color(110)
        self.set_line_width(0.2)
        self.line(x, y, x + width, y)
        self.set_draw_color(0)

    def foot_hint(self, text: str, *, size: float) -> float:
        """A boxed hint at the foot of the page; returns the top of the box. ``text`` is the
        calling module's own fixed text: markdown (for a bold word) is read in it."""
        padding = 2.5
        self.set_font(self.sans, "", size)
        height = self.multi_cell(
            TEXT_WIDTH - 2 * padding,
            size * 0.47,
            text,
            markdown=True,
            dry_run=True,
            output=MethodReturnValue.HEIGHT,
        )
        # With output=HEIGHT fpdf2 returns the height alone; its signature does not say so.
        assert isinstance(height, int | float)
        box = height + 2 * padding
        top = PAGE_HEIGHT - BOTTOM_MARGIN - box
        self.set_draw_color(60)
        self.set_line_width(0.4)
        self.rect(LEFT, top, TEXT_WIDTH, box)
        self.set_draw_color(0)
        self.set_xy(LEFT + padding, top + padding)
        self.multi_cell(TEXT_WIDTH - 2 * padding, size * 0.47, text, markdown=True, align="L")
        return top

    def fold_marks(self) -> None:
        """The fold marks (to fold the sheet into thirds) and the hole mark at the left edge."""
        self.set_draw_color(120)
        self.set_line_width(0.2)
        for y in FOLD_MARKS:
            self.line(4, y, 9, y)
        self.line(4, HOLE_MARK, 11, HOLE_MARK)
        self.set_draw_color(0)

    def address_window(self, sender: Sequence[str], recipient: Sequence[str]) -> None:
        """The sender's lines as one underlined return address (left out without ``sender``)
        and below it the recipient, every line made smaller where it would not fit the
        window."""
        if not 1 <= len(recipient) <= MAX_ADDRESS_LINES:
            raise PdfError(f"an address needs 1 to {MAX_ADDRESS_LINES} lines, not {len(recipient)}")
        if sender:
            self.set_font(self.sans, "U", RETURN_ADDRESS_SIZE)
            text = printable(self, " · ".join(sender))
            size = fitting_size(self, self.sans, "U", text, ADDRESS_WIDTH, RETURN_ADDRESS_SIZE)
            self.set_font(self.sans, "U", size)
            self.set_xy(LEFT, ADDRESS_TOP + RETURN_ZONE_HEIGHT - 4.5)
            self.cell(ADDRESS_WIDTH, 3.5, text)
        # Six lines fill the recipient's 27.3 mm only when set a little closer.
        height = 4.6 if len(recipient) < MAX_ADDRESS_LINES else 4.2
        y = ADDRESS_TOP + RETURN_ZONE_HEIGHT + (1.5 if len(recipient) < MAX_ADDRESS_LINES else 1.0)
        for line in recipient:
            self.set_font(self.sans, "", ADDRESS_SIZE)
            text = printable(self, line)
            self.set_font(
                self.sans, "", fitting_size(self, self.sans, "", text, ADDRESS_WIDTH, ADDRESS_SIZE)
            )
            self.set_xy(LEFT, y)
            self.cell(ADDRESS_WIDTH, height, text)
            y += height

    def info_block(self, rows: Sequence[tuple[str, str]]) -> None:
        """The information block beside the address window: small grey labels, bold values."""
        y = INFO_TOP
        for label, value in rows:
            self.set_xy(INFO_LEFT, y)
            self.set_font(self.sans, "", 7.5)
            self.set_text_color(90)
            self.cell(INFO_WIDTH, 3.5, printable(self, label))
            self.set_text_color(0)
            self.set_xy(INFO_LEFT, y + 3.5)
            self.set_font(self.sans, "B", 9.5)
            self.multi_cell(
                INFO_WIDTH,
                4.5,
                printable(self, value),
                align="L",
                new_x=XPos.LEFT,
                new_y=YPos.NEXT,
            )
            y = max(y + INFO_ROW, self.get_y() + 1.5)
