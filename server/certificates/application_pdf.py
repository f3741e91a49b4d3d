"""The certificate application on paper: a pre-filled form to print, sign and post to the
registry office, for everyone who cannot order online at the trust level § 6 Abs. 3 PStV asks
for (no eID, or not at hand).

A written, signed application by post is not an electronic procedure, so the regulation's level
does not apply to it; the registry office checks the applicant's identity from the enclosed copy
of the ID, as at its counter. The form asks what the online order asks (``definition.py``):
the document (boxes to tick), its version, the number of copies and the purpose, the entry's
names, date and place, the parents' or partner's names, the register number, who the applicant
is to the person in the entry and their interest (§ 62 PStG), then place, date and signature.
Known from the account: the applicant's name and address (the sender, also in the address
window's return line) and date of birth; without them the sender is left as lines to fill in.

The page is a window letter of DIN 5008 form B (``server.pdf.letter``) with the registry office
in the window. It carries no date of its own (the applicant dates it by hand): the same input
gives byte-identical output.
"""

from __future__ import annotations

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

TITLE = "Antrag auf Ausstellung einer Personenstandsurkunde"
LEGAL_BASIS = "§ 6 Abs. 3 PStV"
HINT = (
    "**Warum auf Papier?** Online können Urkunden nur mit dem Online-Ausweis bestellt werden "
    f"(Vertrauensniveau „hoch“, {LEGAL_BASIS}). Unterschreiben Sie diesen Antrag und schicken "
    "Sie ihn mit einer Kopie Ihres Personalausweises oder Passes (Vorder- und Rückseite) an das "
    "Standesamt, oder bringen Sie ihn zu einem Termin im Standesamt mit. Die Gebühr und wie Sie "
    "sie bezahlen, teilt Ihnen das Standesamt mit."
)
MAX_SENDER_LINES = 5
# The Unix epoch, as reproducible builds date their files: an undated form, not a 1970 letter.
FORM_DATE = datetime(1970, 1, 1, tzinfo=UTC)
DOCUMENT_BOXES = (
    "Geburtsurkunde",
    "Eheurkunde",
    "Beglaubigter Registerausdruck aus dem Geburtenregister",
    "Lebenspartnerschaftsurkunde",
    "Sterbeurkunde",
)
VERSION_BOXES = ("deutsch", "international (mehrsprachig)")
_SENDER_CAPTIONS = ("Vor- und Nachname", "Straße und Hausnummer", "Postleitzahl und Ort")
_SENDER_SIZE = 10.0
_ROW = 10.5  # from one line to write on to the next
_BOX = 3.2  # the side of a box to tick
_GAP = 6.0  # between two fields on one line


@dataclass(frozen=True)
class PaperApplication:
    """The form's data: the registry office's name and address lines, and what the account
    knows of the applicant (empty: lines to fill in by hand)."""

    office_lines: tuple[str, ...]
    sender_lines: tuple[str, ...] = ()
    applicant_birthdate: str = ""

    def __post_init__(self) -> None:
        if not 1 <= len(self.office_lines) <= MAX_ADDRESS_LINES:
            raise PdfError(
                f"the registry office's address needs 1 to {MAX_ADDRESS_LINES} lines, "
                f"not {len(self.office_lines)}"
            )
        if len(self.sender_lines) > MAX_SENDER_LINES:
            raise PdfError(f"the sender has at most {MAX_SENDER_LINES} lines")


def _caption(pdf: WindowLetter, x: float, y: float, width: float, text: str) -> None:
    """Small grey print under a line to write on: what belongs on it."""
    pdf.set_font(pdf.sans, "", 6.5)
    pdf.set_text_color(90)
    pdf.set_xy(x, y + 0.3)
    pdf.cell(width, 2.8, printable(pdf, text))
    pdf.set_text_color(0)


def _field(
    pdf: WindowLetter, x: float, y: float, width: float, caption: str, value: str = ""
) -> None:
    """A line to write on at ``y`` with its caption; ``value`` printed on it when known."""
    if value:
        pdf.set_font(pdf.sans, "", 10)
        text = printable(pdf, value)
        pdf.set_font(pdf.sans, "", fitting_size(pdf, pdf.sans, "", text, width, 10))
        pdf.set_xy(x, y - 5)
        pdf.cell(width, 4.6, text)
    pdf.writing_line(x, y, width)
    _caption(pdf, x, y, width, caption)


def _sender(pdf: WindowLetter, form: PaperApplication) -> None:
    width = INFO_LEFT - LEFT - 10
    if form.sender_lines:
        pdf.set_font(pdf.sans, "B", 8)
        pdf.set_xy(LEFT, 12)
        pdf.cell(width, 4, "Antragstellerin oder Antragsteller")
        pdf.set_xy(LEFT, 18)
        for line in form.sender_lines:
            pdf.set_font(pdf.sans, "", _SENDER_SIZE)
            text = printable(pdf, line)
            pdf.set_font(pdf.sans, "", fitting_size(pdf, pdf.sans, "", text, width, _SENDER_SIZE))
            pdf.cell(width, 4.6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    pdf.set_font(pdf.sans, "B", 8)
    pdf.set_xy(LEFT, 12)
    pdf.cell(width, 4, "Antragstellerin oder Antragsteller (bitte ausfüllen)")
    for index, caption in enumerate(_SENDER_CAPTIONS):
        y = 23 + index * 7.5
        pdf.writing_line(LEFT, y, width)
        _caption(pdf, LEFT, y, width, caption)


def _boxes(pdf: WindowLetter, top: float, labels: tuple[str, ...], columns: int) -> float:
    """Boxes to tick with their labels, ``columns`` to a line; returns the y below them."""
    column = TEXT_WIDTH / columns
    y = top
    for index, label in enumerate(labels):
        x = LEFT + (index % columns) * column
        y = top + (index // columns) * 6
        pdf.set_line_width(0.3)
        pdf.rect(x, y, _BOX, _BOX)
        pdf.set_font(pdf.sans, "", 9.5)
        text = printable(pdf, label)
        size = fitting_size(pdf, pdf.sans, "", text, column - _BOX - 4, 9.5)
        pdf.set_font(pdf.sans, "", size)
        pdf.set_xy(x + _BOX + 1.8, y - 0.4)
        pdf.cell(column - _BOX - 4, 4, text)
    return y + 6


def _label(pdf: WindowLetter, y: float, text: str) -> None:
    pdf.set_font(pdf.sans, "B", 10)
    pdf.set_xy(LEFT, y)
    pdf.cell(TEXT_WIDTH, 4.6, printable(pdf, text))


def _pair(
    pdf: WindowLetter, y: float, left: str, right: str, *, left_share: float = 0.5, value: str = ""
) -> None:
    """Two lines to write on side by side; ``value`` on the right one."""
    first = (TEXT_WIDTH - _GAP) * left_share
    _field(pdf, LEFT, y, first, left)
    _field(pdf, LEFT + first + _GAP, y, TEXT_WIDTH - first - _GAP, right, value)


def _draw(pdf: WindowLetter, form: PaperApplication) -> None:
    pdf.add_page()
    pdf.fold_marks()
    _sender(pdf, form)
    pdf.address_window(form.sender_lines[:3], form.office_lines)

    pdf.set_xy(LEFT, SUBJECT_TOP)
    pdf.paragraph(TITLE, size=11.5, style="B", gap=2)
    pdf.paragraph(
        "Sehr geehrte Damen und Herren, ich beantrage die folgende Urkunde aus dem "
        "Personenstandsregister (§ 62 PStG):",
        size=10,
        gap=2,
    )
    y = pdf.get_y() + 1
    _label(pdf, y, "Urkunde (bitte ankreuzen)")
    y = _boxes(pdf, y + 6.5, DOCUMENT_BOXES, 2)
    _label(pdf, y, "Fassung")
    y = _boxes(pdf, y + 6.5, VERSION_BOXES, 2) + 7
    _pair(
        pdf,
        y,
        "Anzahl der Ausfertigungen",
        "Zweck (zum Beispiel Rente, Nachlass, Ehe)",
        left_share=0.3,
    )
    y += _ROW
    _field(pdf, LEFT, y, TEXT_WIDTH, "Familienname und Vorname(n) der Person im Eintrag")
    y += _ROW
    _pair(pdf, y, "Geburtsname, falls anders", "Registernummer, falls bekannt")
    y += _ROW
    _pair(
        pdf,
        y,
        "Datum der Geburt, Eheschließung, Lebenspartnerschaft oder des Todes",
        "Ort des Ereignisses",
    )
    y += _ROW
    _field(
        pdf,
        LEFT,
        y,
        TEXT_WIDTH,
        "Namen der Eltern (Geburt) oder des Ehegatten bzw. Lebenspartners "
        "(Ehe, Lebenspartnerschaft)",
    )
    y += _ROW
    _pair(
        pdf,
        y,
        "Ich bin für die Person im Eintrag (selbst, Ehegatte, Kind, Elternteil, Geschwister …)",
        "Mein Geburtsdatum",
        left_share=0.68,
        value=form.applicant_birthdate,
    )
    y += _ROW
    _field(
        pdf,
        LEFT,
        y,
        TEXT_WIDTH,
        "Mein Interesse an der Urkunde, wenn ich nicht die Person selbst, ihr Ehegatte, "
        "Vorfahr oder Abkömmling bin (Nachweis beilegen)",
    )
    y += _ROW - 2
    pdf.writing_line(LEFT, y, TEXT_WIDTH)  # room to go on writing

    hint_top = pdf.foot_hint(HINT, size=8.5)
    # The signature's line just above the hint, with room to write above it.
    line = hint_top - 10
    if line - 9 < y:
        raise PdfError("the application does not fit its page")
    width = (TEXT_WIDTH - _GAP) / 2
    _field(pdf, LEFT, line, width, "Ort, Datum")
    _field(pdf, LEFT + width + _GAP, line, width, "Unterschrift")
    if form.sender_lines:
        # The name typed below the signature, as a letter has it: signatures are hard to read.
        pdf.set_font(pdf.sans, "", 8.5)
        pdf.set_xy(LEFT + width + _GAP, line + 3.5)
        pdf.cell(width, 4, printable(pdf, form.sender_lines[0]))


def render_application(form: PaperApplication) -> bytes:
    """The application as a PDF document (one A4 page)."""
    pdf = WindowLetter()
    # Everything is placed by hand on one page; an automatic break would only split it.
    pdf.set_auto_page_break(auto=False)
    pdf.describe(created=FORM_DATE, title=TITLE, subject=f"Urkundenantrag ({LEGAL_BASIS})")
    _draw(pdf, form)
    return bytes(pdf.output())
