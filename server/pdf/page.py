"""The portal's A4 page for PDFs every area prints (letters, receipts, proofs of payment):
DIN 5008 margins and the positions of its information block, the DejaVu fonts, text printed as
typed, and ``ReceiptPage`` (paragraphs and headings that do not stand alone at a page's foot)."""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import TTFFont

# DIN 5008, in millimetres.
PAGE_WIDTH = 210.0
PAGE_HEIGHT = 297.0
LEFT = 20.0
RIGHT = 20.0
TEXT_WIDTH = PAGE_WIDTH - LEFT - RIGHT
INFO_LEFT = 125.0
BOTTOM_MARGIN = 16.0

REPLACEMENT = "\ufffd"  # shown for a character the font cannot draw, so nothing vanishes unseen
_TAB_WIDTH = 4
_HEADING_ROOM = 18.0  # a heading needs this much room below it, or it moves to the next page


class PdfError(ValueError):
    """The document cannot be made: bad content, or the font is not installed."""


FONT_FAMILY = "DejaVu"
MONO_FAMILY = "DejaVuMono"
FONT_FILES = {
    (FONT_FAMILY, ""): "DejaVuSans.ttf",
    (FONT_FAMILY, "B"): "DejaVuSans-Bold.ttf",
    (MONO_FAMILY, "B"): "DejaVuSansMono-Bold.ttf",
}
# Debian/Ubuntu (fonts-dejavu-core), Fedora/Arch, Alpine.
FONT_DIRECTORIES = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu-sans-fonts"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/share/fonts/dejavu"),
)


@cache
def font_paths() -> dict[tuple[str, str], Path]:
    """Where the DejaVu TrueType files are; raises ``PdfError`` when they are missing."""
    for directory in FONT_DIRECTORIES:
        paths = {key: directory / name for key, name in FONT_FILES.items()}
        if all(path.is_file() for path in paths.values()):
            return paths
    raise PdfError(
        "DejaVu fonts not found in "
        + ", ".join(str(directory) for directory in FONT_DIRECTORIES)
        + "; install them (Debian/Ubuntu: apt-get install fonts-dejavu-core)"
    )


def add_fonts(pdf: FPDF) -> str:
    """Registers the DejaVu fonts of ``font_paths`` and returns the family name of
    the regular text font (the family that has a regular style)."""
    paths = font_paths()
    for (family, style), path in paths.items():
        pdf.add_font(family, style, str(path))
    return next(family for family, style in paths if not style)


def printable(pdf: FPDF, text: str) -> str:
    """``text`` as the current font can print it: composed (an "ü" typed as "u" plus a combining
    diaeresis becomes one glyph), tabs as spaces, line breaks as ``\\n``, other control and format
    characters dropped, and each character the font lacks replaced by U+FFFD. fpdf2 would drop
    a missing character silently; a receipt must not show less than was received."""
    font = pdf.current_font
    cmap = font.cmap if isinstance(font, TTFFont) else {}
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    for char in text.expandtabs(_TAB_WIDTH):
        if char == "\n":
            out.append(char)
        elif unicodedata.category(char) in {"Cc", "Cf"}:
            continue
        elif ord(char) in cmap:
            out.append(char)
        else:
            out.append(REPLACEMENT)
    return "".join(out)


class ReceiptPage(FPDF):
    """An A4 receipt: DIN 5008 margins, the DejaVu fonts, paragraphs that print text as typed and
    headings that do not stand alone at the foot of a page. Subclasses draw their footer."""

    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_margins(LEFT, 18, RIGHT)
        self.set_auto_page_break(auto=True, margin=BOTTOM_MARGIN)
        self.sans = add_fonts(self)

    def header(self) -> None:
        # fpdf2 fills in the page count wherever its placeholder occurs in text drawn while the
        # placeholder is set: only in the footer, not in a citizen's text that contains "{nb}".
        self.alias_nb_pages("")

    def paragraph(self, text: str, *, size: float = 10, style: str = "", gap: float = 2) -> None:
        """A paragraph over the full text width. Never markdown: the citizen's text may contain
        "**" or "--", which must be printed as typed."""
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
        # Not alone at the foot of a page, away from what it introduces.
        if self.get_y() + _HEADING_ROOM > self.page_break_trigger:
            self.add_page()
        self.ln(1.5)
        self.paragraph(text, size=11, style="B", gap=1)
