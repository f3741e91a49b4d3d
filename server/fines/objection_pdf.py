"""A pre-filled *Einspruch* (objection) against a *Bußgeldbescheid* (formal fine notice), as a
PDF to print, sign and post.

An Einspruch must reach the Bußgeldstelle within two weeks of the notice's *Zustellung* (formal
delivery), in writing or declared in person for the record (*zur Niederschrift*, § 67 OWiG); an
e-mail or a message through the portal is not enough. So the portal cannot take it, but it can
prepare the letter: sender (or blank lines to fill in by hand), the Bußgeldstelle as recipient,
the Aktenzeichen, the sentence that lodges the objection, ruled lines for an optional reason, and
lines for place, date and signature. A boxed hint at the foot says how and by when to send it.

The page follows DIN 5008 form B (the geometry of ``server.fines.letter_pdf``): the recipient
sits in the window of a DIN lang envelope, with the sender's return address above it, and the
fold and hole marks are drawn at the left edge. The form carries no date of its own (the citizen
dates it by hand), so its document date is fixed: the same input gives byte-identical output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

from server.fines.letter_pdf import (
    ADDRESS_TOP,
    ADDRESS_WIDTH,
    FOLD_MARKS,
    HOLE_MARK,
    INFO_TOP,
    RETURN_ZONE_HEIGHT,
    SUBJECT_TOP,
    LetterError,
)
from server.pdf.page import (
    BOTTOM_MARGIN,
    INFO_LEFT,
    LEFT,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    RIGHT,
    TEXT_WIDTH,
    add_fonts,
    printable,
)

# DIN 5008: the recipient's part of the address field holds at most six lines.
MAX_ADDRESS_LINES = 6
MAX_SENDER_LINES = 5
HINT = (
    "**Wichtig:** Der Einspruch muss innerhalb von zwei Wochen nach Zustellung des "
    "Bußgeldbescheids schriftlich und unterschrieben bei der Bußgeldstelle eingehen (§ 67 OWiG). "
    "Eine E-Mail oder eine Nachricht über das Bürgerportal genügt nicht. Sie können den Einspruch "
    "auch persönlich bei der Bußgeldstelle zur Niederschrift erklären."
)
DATE_BLANK = "_" * 14
AKTENZEICHEN_BLANK = "_" * 18
# The Unix epoch, as reproducible builds date their files: an undated form, not a 1970 letter.
FORM_DATE = datetime(1970, 1, 1, tzinfo=UTC)
_SENDER_CAPTIONS = ("Vor- und Nachname", "Straße und Hausnummer", "Postleitzahl und Ort")
_RULE_PITCH = 8.0  # distance of the lines to write on: room for handwriting
_MIN_RULES = 3
_SIGNATURE_BLOCK = 44.0  # greeting, place and date, signature, typed name
_ADDRESS_SIZE = 10.0
_MIN_SIZE = 6.0


@dataclass(frozen=True)
class ObjectionLetter:
    """The letter's data. Without ``sender_lines`` the sender is left as lines to fill in, and
    without ``aktenzeichen`` (empty) a blank takes its place: it is printed on the notice.
    ``place_and_date_blank`` prints the "Ort, Datum" line to fill in by hand; without it the
    line is left out."""

    sender_lines: tuple[str, ...]
    authority_lines: tuple[str, ...]
    aktenzeichen: str
    place_and_date_blank: bool = True

    def __post_init__(self) -> None:
        if not 1 <= len(self.authority_lines) <= MAX_ADDRESS_LINES:
            raise LetterError(
                f"the authority's address needs 1 to {MAX_ADDRESS_LINES} lines, "
                f"not {len(self.authority_lines)}"
            )
        if len(self.sender_lines) > MAX_SENDER_LINES:
            raise LetterError(f"the sender has at most {MAX_SENDER_LINES} lines")

    @property
    def case_number(self) -> str:
        """The Aktenzeichen as printed: given, or a blank to fill in."""
        return self.aktenzeichen.strip() or AKTENZEICHEN_BLANK

    @property
    def subject(self) -> str:
        """The subject line ("Betreff"), which is also the document title."""
        return f"Einspruch gegen den Bußgeldbescheid – Aktenzeichen {self.case_number}"


def _fitting_size(pdf: FPDF, family: str, style: str, text: str, width: float) -> float:
    """The address size, made smaller (in half points, not below 6 pt) for a line that would
    not fit the window at 10 pt."""
    pdf.set_font(family, style, _ADDRESS_SIZE)
    natural = pdf.get_string_width(text)
    if natural <= width:
        return _ADDRESS_SIZE
    return max(_MIN_SIZE, math.floor(2 * _ADDRESS_SIZE * width / natural) / 2)


def _marks(pdf: FPDF) -> None:
    """Fold and hole marks where ``letter_pdf`` puts them."""
    pdf.set_draw_color(120)
    pdf.set_line_width(0.2)
    for y in FOLD_MARKS:
        pdf.line(4, y, 9, y)
    pdf.line(4, HOLE_MARK, 11, HOLE_MARK)
    pdf.set_draw_color(0)


def _rule(pdf: FPDF, x: float, y: float, width: float) -> None:
    pdf.set_draw_color(110)
    pdf.set_line_width(0.2)
    pdf.line(x, y, x + width, y)
    pdf.set_draw_color(0)


def _sender(pdf: FPDF, family: str, letter: ObjectionLetter) -> None:
    """The sender at the head of the page, or captioned lines to fill in by hand."""
    width = INFO_LEFT - LEFT - 10
    if letter.sender_lines:
        pdf.set_xy(LEFT, 18)
        for line in letter.sender_lines:
            pdf.set_font(family, "", _fitting_size(pdf, family, "", line, width))
            pdf.cell(width, 4.6, printable(pdf, line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    pdf.set_font(family, "B", 8)
    pdf.set_xy(LEFT, 12)
    pdf.cell(width, 4, "Absender (bitte ausfüllen)")
    for index, caption in enumerate(_SENDER_CAPTIONS):
        y = 23 + index * 7.5
        _rule(pdf, LEFT, y, width)
        pdf.set_font(family, "", 6.5)
        pdf.set_text_color(90)
        pdf.set_xy(LEFT, y + 0.3)
        pdf.cell(width, 2.8, caption)
        pdf.set_text_color(0)


def _address_field(pdf: FPDF, family: str, letter: ObjectionLetter) -> None:
    if letter.sender_lines:
        pdf.set_font(family, "U", 7)
        sender = printable(pdf, " · ".join(letter.sender_lines))
        # The return address is small print: at most 7 pt, smaller where it is long.
        size = _fitting_size(pdf, family, "U", sender, ADDRESS_WIDTH)
        pdf.set_font(family, "U", min(size, 7))
        pdf.set_xy(LEFT, ADDRESS_TOP + RETURN_ZONE_HEIGHT - 4.5)
        pdf.cell(ADDRESS_WIDTH, 3.5, sender)
    lines = letter.authority_lines
    height = 4.5 if len(lines) <= 5 else 4.2
    y = ADDRESS_TOP + RETURN_ZONE_HEIGHT + 1.0
    for line in lines:
        pdf.set_font(family, "", _fitting_size(pdf, family, "", line, ADDRESS_WIDTH))
        pdf.set_xy(LEFT, y)
        pdf.cell(ADDRESS_WIDTH, height, printable(pdf, line))
        y += height


def _info_block(pdf: FPDF, family: str, letter: ObjectionLetter) -> None:
    width = PAGE_WIDTH - INFO_LEFT - RIGHT
    pdf.set_xy(INFO_LEFT, INFO_TOP)
    pdf.set_font(family, "", 7.5)
    pdf.set_text_color(90)
    pdf.cell(width, 3.5, "Aktenzeichen")
    pdf.set_text_color(0)
    pdf.set_xy(INFO_LEFT, INFO_TOP + 3.5)
    pdf.set_font(family, "B", 9.5)
    pdf.multi_cell(width, 4.5, printable(pdf, letter.case_number), align="L")


def _paragraph(
    pdf: FPDF, family: str, text: str, *, size: float = 10.5, style: str = "", gap: float = 3
) -> None:
    pdf.set_font(family, style, size)
    pdf.set_x(LEFT)
    pdf.multi_cell(
        TEXT_WIDTH,
        size * 0.48,
        printable(pdf, text),
        align="L",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(gap)


def _hint_box(pdf: FPDF, family: str) -> float:
    """The boxed hint at the foot of the page; returns the top of the box."""
    padding, size = 2.5, 9.0
    pdf.set_font(family, "", size)
    height = pdf.multi_cell(
        TEXT_WIDTH - 2 * padding,
        size * 0.47,
        HINT,
        markdown=True,
        dry_run=True,
        output=MethodReturnValue.HEIGHT,
    )
    # With output=HEIGHT fpdf2 returns the height alone; its signature does not say so.
    assert isinstance(height, int | float)
    box = height + 2 * padding
    top = PAGE_HEIGHT - BOTTOM_MARGIN - box
    pdf.set_draw_color(60)
    pdf.set_line_width(0.4)
    pdf.rect(LEFT, top, TEXT_WIDTH, box)
    pdf.set_draw_color(0)
    pdf.set_xy(LEFT + padding, top + padding)
    # markdown only for the fixed text of this module, for the bold "Wichtig:".
    pdf.multi_cell(TEXT_WIDTH - 2 * padding, size * 0.47, HINT, markdown=True, align="L")
    return top


def _signature(pdf: FPDF, family: str, letter: ObjectionLetter, top: float) -> None:
    pdf.set_xy(LEFT, top)
    _paragraph(pdf, family, "Mit freundlichen Grüßen", gap=0)
    label, line = 27.0, 75.0
    rows = ["Unterschrift:"]
    if letter.place_and_date_blank:
        rows.insert(0, "Ort, Datum:")
    y = top + 15
    for text in rows:
        pdf.set_font(family, "", 10.5)
        pdf.set_xy(LEFT, y - 4.5)
        pdf.cell(label, 5, text)
        _rule(pdf, LEFT + label, y, line)
        y += 13
    if letter.sender_lines:
        # The name typed below the signature, as a letter has it: signatures are hard to read.
        pdf.set_font(family, "", 8.5)
        pdf.set_xy(LEFT + label, y - 12.5)
        pdf.cell(line, 4, printable(pdf, letter.sender_lines[0]))


def _draw(pdf: FPDF, family: str, letter: ObjectionLetter) -> None:
    pdf.add_page()
    _marks(pdf)
    _sender(pdf, family, letter)
    _address_field(pdf, family, letter)
    _info_block(pdf, family, letter)

    pdf.set_xy(LEFT, SUBJECT_TOP)
    _paragraph(pdf, family, letter.subject, size=11.5, style="B", gap=5)
    _paragraph(pdf, family, "Sehr geehrte Damen und Herren,")
    _paragraph(
        pdf,
        family,
        f"hiermit lege ich gegen den Bußgeldbescheid vom {DATE_BLANK} "
        f"(Aktenzeichen {letter.case_number}) Einspruch ein.",
        gap=4,
    )
    _paragraph(pdf, family, "Begründung (freiwillig):", gap=0)
    first = pdf.get_y() + _RULE_PITCH

    hint_top = _hint_box(pdf, family)
    signature_top = hint_top - 6 - _SIGNATURE_BLOCK
    # As many lines to write on as the page has room for between the text and the signature.
    count = max(_MIN_RULES, math.floor((signature_top - 4 - first) / _RULE_PITCH) + 1)
    for index in range(count):
        _rule(pdf, LEFT, first + index * _RULE_PITCH, TEXT_WIDTH)
    _signature(pdf, family, letter, max(signature_top, first + count * _RULE_PITCH))


def render_objection(letter: ObjectionLetter) -> bytes:
    """The objection letter as a PDF document (one A4 page)."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(LEFT, 20, RIGHT)
    # Everything is placed by hand on one page; an automatic break would only split it.
    pdf.set_auto_page_break(auto=False)
    # No page count to fill in: the placeholder would only alter a sender's "{nb}".
    pdf.alias_nb_pages("")
    family = add_fonts(pdf)
    pdf.set_creation_date(FORM_DATE)
    pdf.set_lang("de-DE")
    pdf.set_creator("Bürgerportal")
    pdf.set_title(letter.subject)
    pdf.set_subject("Einspruch gegen einen Bußgeldbescheid")
    _draw(pdf, family, letter)
    return bytes(pdf.output())
