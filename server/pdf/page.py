"""The portal's A4 page for every PDF (letters, receipts, proofs of payment, forms to post):
the geometry of DIN 5008 form B, the German standard letter layout for window envelopes, and
``Page``, an FPDF with that page's margins, the DejaVu fonts, German as its language, the
letterhead of the authority and paragraphs that print text as typed.

DIN 5008 form B (DIN lang envelope): the address field sits 20 mm from the left and 45 mm from
the top (45 mm high, 85 mm wide); its first 17.7 mm hold the small underlined return address,
the rest the recipient. The information block (case number, payment reference, date) starts at
125 mm; fold marks at 105 mm and 210 mm and the hole mark at 148.5 mm are drawn at the left edge
(``server.pdf.letter``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from fpdf import FPDF
from fpdf.enums import TextEmphasis, XPos, YPos

from server.pdf.fonts import add_family, text_family
from server.pdf.text import printable

# DIN 5008, in millimetres.
PAGE_WIDTH = 210.0
PAGE_HEIGHT = 297.0
LEFT = 20.0
RIGHT = 20.0
TEXT_WIDTH = PAGE_WIDTH - LEFT - RIGHT
INFO_LEFT = 125.0
INFO_WIDTH = PAGE_WIDTH - INFO_LEFT - RIGHT
BOTTOM_MARGIN = 16.0
LETTERHEAD_TOP = 14.0
# The address window of form B.
ADDRESS_TOP = 45.0
ADDRESS_WIDTH = 85.0
ADDRESS_HEIGHT = 45.0
RETURN_ZONE_HEIGHT = 17.7  # "Zusatz- und Vermerkzone" above the recipient's address
MAX_ADDRESS_LINES = 6  # the recipient's part of the address field holds at most six lines
INFO_TOP = 50.0
SUBJECT_TOP = 98.4
FOLD_MARKS = (105.0, 210.0)
HOLE_MARK = 148.5

_HEADING_ROOM = 18.0  # a heading needs this much room below it, or it moves to the next page
# Characters at which fpdf2's line breaking does more than measure (breaks, soft hyphens).
_BREAKING = frozenset("\n\r\t\v\f\x85\xad\u200b\u2028\u2029")
# A text this close to filling its line goes through the line breaking: it decides alone.
_FIT_MARGIN = 0.05


class Page(FPDF):
    """An A4 document of the portal: DIN 5008 margins (``top`` above the text), the DejaVu fonts
    (``self.sans`` is the text family), German, made by the Bürgerportal. A text never fills in
    fpdf2's page-count placeholder "{nb}": a subclass that prints the count sets it in its
    footer."""

    def __init__(self, *, top: float = 20.0) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_margins(LEFT, top, RIGHT)
        self.set_auto_page_break(auto=True, margin=BOTTOM_MARGIN)
        self.sans = text_family()
        self.set_lang("de-DE")
        self.set_creator("Bürgerportal")

    def set_font(
        self, family: str | None = None, style: str | TextEmphasis = "", size: float = 0
    ) -> None:
        # A family is registered when it is first chosen (with all its styles, which markdown
        # switches to by itself), so that a document embeds only the fonts it uses.
        if family is not None:
            add_family(self, family)
        super().set_font(family, style, size)

    def header(self) -> None:
        # fpdf2 fills in the page count wherever its placeholder occurs in text drawn while the
        # placeholder is set: only in a footer that sets it, not in a citizen's text with "{nb}".
        self.alias_nb_pages("")

    def text_cell(
        self,
        w: float,
        h: float,
        text: str,
        *,
        new_x: XPos = XPos.RIGHT,
        new_y: YPos = YPos.NEXT,
    ) -> None:
        """``multi_cell(w, h, text, align="L", new_x=..., new_y=...)``, drawn the same (byte for
        byte); a text that fits on one line is drawn as one cell, without fpdf2's line
        breaking, which measures a text character by character (half of a receipt's layout).
        Like the line breaking, the one line prints a no-break space as a space."""
        one_line = text.replace("\xa0", " ")
        if (
            w > 0
            and one_line.strip() == one_line != ""
            and _BREAKING.isdisjoint(text)
            and self.get_string_width(one_line) <= w - 2 * self.c_margin - _FIT_MARGIN
        ):
            self.cell(w, h, one_line, align="L", new_x=new_x, new_y=new_y)
        else:
            self.multi_cell(w, h, text, align="L", new_x=new_x, new_y=new_y)

    def describe(
        self, *, created: datetime, title: str, subject: str, author: str | None = None
    ) -> None:
        """The document's metadata. Dated by what it shows (a letter's date, a payment), not by
        the clock: the same content gives the same bytes."""
        self.set_creation_date(created.astimezone(UTC))
        self.set_title(title)
        if author is not None:
            self.set_author(author)
        self.set_subject(subject)

    def letterhead(self, name: str, lines: Sequence[str]) -> float:
        """The authority at the head of the page: its name on the left, ``lines`` (address,
        telephone, a subject; the name again is left out) in small print from the information
        block's left edge. Returns where the lower of the two ends."""
        self.set_xy(LEFT, LETTERHEAD_TOP)
        self.set_font(self.sans, "B", 13)
        self.text_cell(INFO_LEFT - LEFT - 5, 6, printable(self, name))
        bottom = self.get_y()
        self.set_font(self.sans, "", 8)
        self.set_y(LETTERHEAD_TOP)
        for line in lines:
            if line == name:
                continue
            self.set_x(INFO_LEFT)
            self.text_cell(INFO_WIDTH, 3.8, printable(self, line), new_x=XPos.LEFT, new_y=YPos.NEXT)
        return max(bottom, self.get_y())

    def paragraph(
        self,
        text: str,
        *,
        size: float = 10,
        style: str = "",
        gap: float = 2,
        leading: float = 0.46,
        markdown: bool = False,
    ) -> None:
        """A paragraph over the full text width, lines ``leading`` times the size apart.
        ``markdown`` (for **bold**) only for a module's fixed texts: a citizen's text may
        contain "**" or "--", which must be printed as typed."""
        self.set_font(self.sans, style, size)
        self.set_x(LEFT)
        if markdown:
            self.multi_cell(
                TEXT_WIDTH,
                size * leading,
                printable(self, text),
                align="L",
                markdown=True,
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
        else:
            self.text_cell(
                TEXT_WIDTH,
                size * leading,
                printable(self, text),
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
        self.ln(gap)

    def heading(self, text: str) -> None:
        # Not alone at the foot of a page, away from what it introduces.
        if self.get_y() + _HEADING_ROOM > self.page_break_trigger:
            self.add_page()
        self.ln(1.5)
        self.paragraph(text, size=11, style="B", gap=1)
