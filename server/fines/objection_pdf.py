"""A pre-filled *Einspruch* (objection) against a *Bußgeldbescheid* (formal fine notice), as a
PDF to print, sign and post.

An Einspruch must reach the Bußgeldstelle within two weeks of the notice's *Zustellung* (formal
delivery), in writing or declared in person for the record (*zur Niederschrift*, § 67 OWiG); an
e-mail or a message through the portal is not enough. So the portal cannot take it, but it can
prepare the letter: sender (or blank lines to fill in by hand), the Bußgeldstelle as recipient,
the Aktenzeichen, the sentence that lodges the objection, ruled lines for an optional reason, and
lines for place, date and signature. A boxed hint at the foot says how and by when to send it.

The page is a window letter of DIN 5008 form B (``server.pdf.letter``): the recipient sits in
the window of a DIN lang envelope, with the sender's return address above it, and the fold and
hole marks are drawn at the left edge. The form carries no date of its own (the citizen
dates it by hand), so its document date is fixed: the same input gives byte-identical output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from fpdf.enums import XPos, YPos

from server.pdf.fonts import PdfError
from server.pdf.letter import WindowLetter
from server.pdf.page import (
    INFO_LEFT,
    LEFT,
    MAX_ADDRESS_LINES,
    SUBJECT_TOP,
    TEXT_WIDTH,
)
from server.pdf.text import fitting_size, printable

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
_SENDER_SIZE = 10.0


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
            raise PdfError(
                f"the authority's address needs 1 to {MAX_ADDRESS_LINES} lines, "
                f"not {len(self.authority_lines)}"
            )
        if len(self.sender_lines) > MAX_SENDER_LINES:
            raise PdfError(f"the sender has at most {MAX_SENDER_LINES} lines")

    @property
    def case_number(self) -> str:
        """The Aktenzeichen as printed: given, or a blank to fill in."""
        return self.aktenzeichen.strip() or AKTENZEICHEN_BLANK

    @property
    def subject(self) -> str:
        """The subject line ("Betreff"), which is also the document title."""
        return f"Einspruch gegen den Bußgeldbescheid – Aktenzeichen {self.case_number}"


def _sender(pdf: WindowLetter, letter: ObjectionLetter) -> None:
    """The sender at the head of the page, or captioned lines to fill in by hand."""
    width = INFO_LEFT - LEFT - 10
    if letter.sender_lines:
        pdf.set_xy(LEFT, 18)
        for line in letter.sender_lines:
            pdf.set_font(pdf.sans, "", _SENDER_SIZE)
            text = printable(pdf, line)
            pdf.set_font(pdf.sans, "", fitting_size(pdf, pdf.sans, "", text, width, _SENDER_SIZE))
            pdf.cell(width, 4.6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    pdf.set_font(pdf.sans, "B", 8)
    pdf.set_xy(LEFT, 12)
    pdf.cell(width, 4, "Absender (bitte ausfüllen)")
    for index, caption in enumerate(_SENDER_CAPTIONS):
        y = 23 + index * 7.5
        pdf.writing_line(LEFT, y, width)
        pdf.set_font(pdf.sans, "", 6.5)
        pdf.set_text_color(90)
        pdf.set_xy(LEFT, y + 0.3)
        pdf.cell(width, 2.8, caption)
        pdf.set_text_color(0)


def _paragraph(
    pdf: WindowLetter, text: str, *, size: float = 10.5, style: str = "", gap: float = 3
) -> None:
    pdf.paragraph(text, size=size, style=style, gap=gap, leading=0.48)


def _signature(pdf: WindowLetter, letter: ObjectionLetter, top: float) -> None:
    pdf.set_xy(LEFT, top)
    _paragraph(pdf, "Mit freundlichen Grüßen", gap=0)
    label, line = 27.0, 75.0
    rows = ["Unterschrift:"]
    if letter.place_and_date_blank:
        rows.insert(0, "Ort, Datum:")
    y = top + 15
    for text in rows:
        pdf.set_font(pdf.sans, "", 10.5)
        pdf.set_xy(LEFT, y - 4.5)
        pdf.cell(label, 5, text)
        pdf.writing_line(LEFT + label, y, line)
        y += 13
    if letter.sender_lines:
        # The name typed below the signature, as a letter has it: signatures are hard to read.
        pdf.set_font(pdf.sans, "", 8.5)
        pdf.set_xy(LEFT + label, y - 12.5)
        pdf.cell(line, 4, printable(pdf, letter.sender_lines[0]))


def _draw(pdf: WindowLetter, letter: ObjectionLetter) -> None:
    pdf.add_page()
    pdf.fold_marks()
    _sender(pdf, letter)
    pdf.address_window(letter.sender_lines, letter.authority_lines)
    pdf.info_block((("Aktenzeichen", letter.case_number),))

    pdf.set_xy(LEFT, SUBJECT_TOP)
    _paragraph(pdf, letter.subject, size=11.5, style="B", gap=5)
    _paragraph(pdf, "Sehr geehrte Damen und Herren,")
    _paragraph(
        pdf,
        f"hiermit lege ich gegen den Bußgeldbescheid vom {DATE_BLANK} "
        f"(Aktenzeichen {letter.case_number}) Einspruch ein.",
        gap=4,
    )
    _paragraph(pdf, "Begründung (freiwillig):", gap=0)
    first = pdf.get_y() + _RULE_PITCH

    hint_top = pdf.foot_hint(HINT, size=9.0)
    signature_top = hint_top - 6 - _SIGNATURE_BLOCK
    # As many lines to write on as the page has room for between the text and the signature.
    count = max(_MIN_RULES, math.floor((signature_top - 4 - first) / _RULE_PITCH) + 1)
    for index in range(count):
        pdf.writing_line(LEFT, first + index * _RULE_PITCH, TEXT_WIDTH)
    _signature(pdf, letter, max(signature_top, first + count * _RULE_PITCH))


def render_objection(letter: ObjectionLetter) -> bytes:
    """The objection letter as a PDF document (one A4 page)."""
    pdf = WindowLetter()
    # Everything is placed by hand on one page; an automatic break would only split it.
    pdf.set_auto_page_break(auto=False)
    pdf.describe(
        created=FORM_DATE,
        title=letter.subject,
        subject="Einspruch gegen einen Bußgeldbescheid",
    )
    _draw(pdf, letter)
    return bytes(pdf.output())
