"""Text as a PDF prints it: characters the font can draw (``printable``), a size that fits a
line into its room (``fitting_size``), and amounts the German way (``amount``; every PDF of the
portal is an official German paper, whatever language the reader browses in)."""

from __future__ import annotations

import math
import unicodedata

from fpdf import FPDF
from fpdf.fonts import TTFFont

from server.formatting import euro

REPLACEMENT = "\ufffd"  # shown for a character the font cannot draw, so nothing vanishes unseen
MIN_SIZE = 5.5  # the smallest print a line is shrunk to, in points
_TAB_WIDTH = 4


def printable(pdf: FPDF, text: str) -> str:
    """``text`` as the current font can print it: composed (an "ü" typed as "u" plus a combining
    diaeresis becomes one glyph), tabs as spaces, line breaks as ``\\n``, other control and format
    characters dropped, and each character the font lacks replaced by U+FFFD. fpdf2 would drop
    a missing character silently; a paper must not show less than was received."""
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


def fitting_size(
    pdf: FPDF,
    family: str,
    style: str,
    text: str,
    width: float,
    size: float,
    minimum: float = MIN_SIZE,
) -> float:
    """The largest font size up to ``size``, in half points and not below ``minimum``, at which
    ``text`` fits ``width`` (a line in the address window, a sender's line)."""
    pdf.set_font(family, style, size)
    natural = pdf.get_string_width(text)
    if natural <= width:
        return size
    # The width of a line grows with the font size.
    return max(minimum, math.floor(2 * size * width / natural) / 2)


def amount(cents: int) -> str:
    """``"1.234,56 €"``: the amount in German, as an official paper prints it."""
    return euro(cents, "de")
