"""The printed letter of the Bußgeldstelle (fine authority) about one parking offence, as a PDF.

Two kinds of letter exist. A *Verwarnung mit Verwarnungsgeld* (§ 56 OWiG) is a warning with a
fixed fee of at most 55 €: paid in time, it closes the case. An *Anhörung* (hearing, § 55 OWiG)
gives the person concerned the chance to state their side or to name the driver before the
authority decides. Only against a later *Bußgeldbescheid* (formal fine notice) can an *Einspruch*
(objection) be lodged. The *Aktenzeichen* is the case number of the Bußgeldstelle; the
*Kassenzeichen* is the payment reference (see ``server.payments.references``).

The page is a window letter of DIN 5008 form B (``server.pdf.letter``: the address window with
the authority's return address, the information block with case number, payment reference and
date, fold and hole marks); this module says what the letter says.

Both QR codes are drawn as vector rectangles from segno's module matrix, 26 mm wide plus the
four-module quiet zone left blank, so they stay sharp at any print resolution: the portal code
(the link with the letter's token, error correction M or higher) and the GiroCode (EPC QR code
for a bank transfer, error correction M as the EPC guideline demands, see
``server.payments.girocode``). A letter fits one page with every offence of the catalogue (the
closing greeting is left out where it would not fit); longer texts continue on the next page, and
the two code boxes are never split.

Text is set in DejaVu Sans (``server.pdf.fonts``); the same input gives byte-identical output,
because the document date is taken from the letter date.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import segno
from fpdf import FPDF
from fpdf.drawing import GraphicsContext, PaintedPath
from fpdf.enums import MethodReturnValue, PathPaintRule, XPos, YPos

from server.formatting import german_date, german_weekday_date_time
from server.payments.girocode import QUIET_ZONE_MODULES, girocode_qr
from server.payments.references import format_kassenzeichen
from server.pdf.fonts import FONT_FAMILY, MONO_FAMILY, PdfError
from server.pdf.letter import WindowLetter
from server.pdf.page import LEFT, SUBJECT_TOP, TEXT_WIDTH
from server.pdf.text import amount

KINDS = ("warning", "hearing")

QR_SYMBOL_SIZE = 26.0  # the symbol without its quiet zone; the quiet zone adds four modules
BOX_PADDING = 1.5

_POSTCODE_LINE = re.compile(r"^\d{5}\s")


LetterError = PdfError  # the letter cannot be made: bad content, or the font is missing


@dataclass(frozen=True)
class LetterAddress:
    """The recipient as printed in the window of the envelope."""

    name: str
    street: str
    postcode_city: str


@dataclass(frozen=True)
class LetterContent:
    """Everything printed on one letter. ``kind`` is ``"warning"`` (Verwarnung mit
    Verwarnungsgeld) or ``"hearing"`` (Anhörung); ``offence_date`` must carry its time zone and
    is printed in the city's time (``server.formatting``); ``giro_payload`` comes from
    ``epc_payload``; ``bank_lines`` (recipient, IBAN, BIC, Verwendungszweck) are printed as
    given."""

    kind: str
    authority_name: str
    authority_lines: tuple[str, ...]
    recipient: LetterAddress
    letter_date: date
    aktenzeichen: str
    kassenzeichen: str
    offence_date: datetime
    place: str
    plate: str
    offence_number: str
    offence_text: str
    legal_basis: str
    amount_cents: int
    deadline: date
    portal_url: str
    portal_address: str
    access_code: str
    giro_payload: str
    bank_lines: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise LetterError(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        # bool is an int, and a float must never carry money.
        if isinstance(self.amount_cents, bool) or not isinstance(self.amount_cents, int):
            raise LetterError(f"amount must be integer cents, not {self.amount_cents!r}")
        if self.amount_cents <= 0:
            raise LetterError(f"amount must be positive, not {self.amount_cents} cents")
        # A naive time could be UTC from the database or a wall-clock time: refuse to guess.
        if self.offence_date.utcoffset() is None:
            raise LetterError("offence_date must be timezone-aware")

    @property
    def subject(self) -> str:
        """The subject line ("Betreff"), which is also the document title."""
        if self.kind == "warning":
            return f"Verwarnung mit Verwarnungsgeld – Aktenzeichen {self.aktenzeichen}"
        return f"Anhörung im Bußgeldverfahren – Aktenzeichen {self.aktenzeichen}"


class _LetterDocument(WindowLetter):
    """A window letter that knows which letter it is printing, for the footer of every page."""

    def __init__(self) -> None:
        super().__init__()
        self.current: LetterContent | None = None
        self.first_page = 1

    def footer(self) -> None:
        if self.current is None:
            return
        self.set_y(-12)
        self.set_font(FONT_FAMILY, "", 7)
        self.set_text_color(90)
        note = "Dieses Schreiben wurde maschinell erstellt und ist ohne Unterschrift gültig."
        self.cell(TEXT_WIDTH * 0.7, 4, note)
        page = self.page - self.first_page + 1
        self.cell(TEXT_WIDTH * 0.3, 4, f"{self.current.aktenzeichen} · Seite {page}", align="R")
        self.set_text_color(0)


def qr_extent(code: segno.QRCode) -> float:
    """The side in mm of a code as printed: ``QR_SYMBOL_SIZE`` plus the quiet zone."""
    modules = len(code.matrix)
    return QR_SYMBOL_SIZE * (modules + 2 * QUIET_ZONE_MODULES) / modules


def _draw_qr(pdf: FPDF, code: segno.QRCode, x: float, y: float) -> None:
    """The QR code with its top left quiet-zone corner at ``x``, ``y``: one filled path of
    rectangles (one per run of dark modules in a row), the quiet zone left white. One path for
    the whole symbol, so that rasterisers show no hairline seams between neighbouring modules."""
    matrix = code.matrix
    module = QR_SYMBOL_SIZE / len(matrix)
    origin_x = x + QUIET_ZONE_MODULES * module
    origin_y = y + QUIET_ZONE_MODULES * module
    path = PaintedPath()
    path.style.paint_rule = PathPaintRule.FILL_NONZERO
    path.style.fill_color = "#000000"
    for row_index, row in enumerate(matrix):
        column = 0
        while column < len(row):
            if not row[column] & 1:
                column += 1
                continue
            start = column
            while column < len(row) and row[column] & 1:
                column += 1
            path.rectangle(
                origin_x + start * module,
                origin_y + row_index * module,
                (column - start) * module,
                module,
            )
    # The path is new and not kept: no need for the deep copies fpdf2 makes by default, which
    # would cost more than all the rest of the letter.
    context = GraphicsContext()
    context.add_item(path, clone=False)
    pdf.draw_path(context, copy=False)


def portal_qr(url: str) -> segno.QRCode:
    """The QR code for the portal link: at least error level M (segno raises it when that
    costs no extra size), never a Micro QR code, which phone cameras do not read."""
    return segno.make(url, error="M", micro=False, boost_error=True)


def _recipient_lines(content: LetterContent) -> tuple[str, ...]:
    recipient = content.recipient
    return (recipient.name, recipient.street, recipient.postcode_city)


def _postal_lines(content: LetterContent) -> list[str]:
    """The authority's postal address: its lines up to the one with the postcode (telephone and
    e-mail lines after it do not belong into a return address)."""
    lines: list[str] = []
    for line in content.authority_lines:
        lines.append(line)
        if _POSTCODE_LINE.match(line):
            return lines
    return list(content.authority_lines)


def _pair(
    pdf: FPDF, x: float, y: float, label: str, value: str, widths: tuple[float, float]
) -> float:
    """A label with its value to the right; returns where the value ends."""
    pdf.set_xy(x, y)
    pdf.set_font(FONT_FAMILY, "", 8.5)
    pdf.set_text_color(90)
    pdf.cell(widths[0], 4.1, label)
    pdf.set_text_color(0)
    pdf.set_font(FONT_FAMILY, "", 9.5)
    pdf.set_xy(x + widths[0], y)
    pdf.multi_cell(widths[1], 4.1, value, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return pdf.get_y()


def _facts(pdf: FPDF, content: LetterContent) -> None:
    """The facts of the offence: two pairs side by side, then the offence and its legal basis
    over the full width (the page has little room to spare)."""
    left = (28.0, 61.0)
    right = (33.0, TEXT_WIDTH - sum(left) - 33.0)
    for (label, value), (other, other_value) in (
        (
            ("Tatzeit", german_weekday_date_time(content.offence_date)),
            ("Kennzeichen", content.plate),
        ),
        (("Tatort", content.place), ("Tatbestandsnummer", content.offence_number)),
    ):
        y = pdf.get_y()
        end = _pair(pdf, LEFT, y, label, value, left)
        end = max(end, _pair(pdf, LEFT + sum(left), y, other, other_value, right))
        pdf.set_y(end + 0.5)
    full = (left[0], TEXT_WIDTH - left[0])
    for label, value in (
        ("Tatvorwurf", content.offence_text),
        ("Rechtsgrundlage", content.legal_basis),
    ):
        pdf.set_y(_pair(pdf, LEFT, pdf.get_y(), label, value, full) + 0.5)


def _amount(pdf: FPDF, content: LetterContent) -> None:
    if content.kind == "warning":
        lines = (
            f"Verwarnungsgeld (§ 56 OWiG): {amount(content.amount_cents)}",
            f"Zahlungsfrist: bis zum {german_date(content.deadline)}",
        )
    else:
        lines = (
            f"Betrag laut Bußgeldkatalog: {amount(content.amount_cents)}",
            f"Frist für Ihre Antwort: bis zum {german_date(content.deadline)}",
        )
    pdf.set_font(FONT_FAMILY, "B", 11)
    for line in lines:
        pdf.set_x(LEFT)
        pdf.cell(TEXT_WIDTH, 5.4, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


@dataclass(frozen=True)
class _BoxLine:
    """One line (or paragraph) of text in a box, with its font."""

    text: str
    family: str = FONT_FAMILY
    style: str = ""
    size: float = 9

    @property
    def height(self) -> float:
        return self.size * 0.47


def _lines_height(pdf: FPDF, lines: Sequence[_BoxLine], width: float) -> float:
    total = 0.0
    for line in lines:
        pdf.set_font(line.family, line.style, line.size)
        height = pdf.multi_cell(
            width, line.height, line.text, align="L", dry_run=True, output=MethodReturnValue.HEIGHT
        )
        # With output=HEIGHT fpdf2 returns the height alone; its signature does not say so.
        assert isinstance(height, int | float)
        total += height
    return total


def _box_height(pdf: FPDF, code: segno.QRCode, lines: Sequence[_BoxLine], column: float) -> float:
    text_width = TEXT_WIDTH - column - 3 * BOX_PADDING
    return max(qr_extent(code), _lines_height(pdf, lines, text_width) + 2) + 2 * BOX_PADDING


def _box(
    pdf: FPDF, code: segno.QRCode, lines: Sequence[_BoxLine], height: float, column: float
) -> None:
    """A framed box: the QR code on the left in a column ``column`` mm wide, the lines to its
    right. The frame stays outside the code's quiet zone."""
    top = pdf.get_y()
    pdf.set_draw_color(60)
    pdf.set_line_width(0.3)
    pdf.rect(LEFT, top, TEXT_WIDTH, height)
    extent = qr_extent(code)
    _draw_qr(pdf, code, LEFT + BOX_PADDING + (column - extent) / 2, top + (height - extent) / 2)
    text_left = LEFT + column + 2 * BOX_PADDING
    text_width = TEXT_WIDTH - column - 3 * BOX_PADDING
    pdf.set_xy(text_left, top + BOX_PADDING + 1)
    for line in lines:
        pdf.set_font(line.family, line.style, line.size)
        pdf.set_x(text_left)
        pdf.multi_cell(
            text_width, line.height, line.text, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT
        )
    pdf.set_xy(LEFT, top + height)


def _online_lines(content: LetterContent) -> list[_BoxLine]:
    return [
        _BoxLine("Online erledigen", style="B", size=10.5),
        _BoxLine("Scannen Sie den QR-Code mit dem Smartphone oder öffnen Sie im Browser:"),
        _BoxLine(content.portal_address, style="B", size=11),
        _BoxLine("und geben Sie dort diesen Zugangscode ein:"),
        _BoxLine(content.access_code, family=MONO_FAMILY, style="B", size=12),
        _BoxLine(
            "Dort können Sie bezahlen, sich äußern oder die Person nennen, die gefahren ist.",
            size=8.5,
        ),
    ]


def _transfer_lines(content: LetterContent) -> list[_BoxLine]:
    return [
        _BoxLine("Per Überweisung", style="B", size=10.5),
        _BoxLine(
            "Scannen Sie den GiroCode mit Ihrer Banking-App oder überweisen Sie "
            f"{amount(content.amount_cents)} an:"
        ),
        *(_BoxLine(line) for line in content.bank_lines),
    ]


def _options(content: LetterContent) -> list[str]:
    """What the recipient can do, in plain German (fixed texts, with **bold** lead-ins)."""
    price = amount(content.amount_cents)
    deadline = german_date(content.deadline)
    objection = (
        "**Einspruch** ist erst gegen einen späteren Bußgeldbescheid möglich – nicht gegen "
        "dieses Schreiben und nicht per E-Mail."
    )
    if content.kind == "warning":
        return [
            f"**Einverstanden?** Zahlen Sie {price} bis zum {deadline} online oder per "
            "Überweisung. Dann ist die Sache erledigt; Gebühren kommen nicht hinzu.",
            "**Nicht einverstanden oder nicht selbst gefahren?** Dann zahlen Sie nicht, sondern "
            "äußern Sie sich online (Anhörung) oder nennen Sie dort die Person, die gefahren "
            "ist. Ohne rechtzeitige Zahlung wird die Verwarnung nicht wirksam: Das Verfahren "
            "geht als Bußgeldverfahren weiter, Gebühren und Auslagen können hinzukommen.",
            objection,
        ]
    return [
        f"**Äußern Sie sich** bis zum {deadline} online zum Vorwurf. Angaben zur Sache sind "
        "freiwillig, Angaben zu Ihrer Person Pflicht (§ 111 OWiG).",
        "**Nicht selbst gefahren?** Nennen Sie online die Person, die gefahren ist. Lässt sie "
        "sich nicht ermitteln, tragen bei Halt- und Parkverstößen Halterin oder Halter die "
        "Kosten des Verfahrens (§ 25a StVG).",
        "**Einverstanden?** Dann können Sie den Betrag gleich online oder per Überweisung zahlen.",
        objection,
    ]


def _intro(content: LetterContent) -> str:
    seen = f"mit dem Fahrzeug {content.plate} wurde folgende Ordnungswidrigkeit festgestellt"
    if content.kind == "warning":
        return seen + ":"
    return seen + ". Bevor wir entscheiden, können Sie sich dazu äußern (§ 55 OWiG):"


def _draw_letter(pdf: _LetterDocument, content: LetterContent) -> None:
    portal_code = portal_qr(content.portal_url)
    giro_code = girocode_qr(content.giro_payload)
    pdf.add_page()
    # Only now: add_page printed the footer of the previous letter's last page.
    pdf.current = content
    pdf.first_page = pdf.page
    pdf.fold_marks()
    pdf.letterhead(content.authority_name, content.authority_lines)
    pdf.address_window(_postal_lines(content), _recipient_lines(content))
    pdf.info_block(
        (
            ("Aktenzeichen", content.aktenzeichen),
            ("Kassenzeichen", format_kassenzeichen(content.kassenzeichen)),
            ("Datum", german_date(content.letter_date)),
        )
    )

    pdf.set_xy(LEFT, SUBJECT_TOP)
    pdf.paragraph(content.subject, size=11.5, style="B", gap=2.5)
    pdf.paragraph("Guten Tag,", gap=1)
    pdf.paragraph(_intro(content), gap=1.5)
    _facts(pdf, content)
    pdf.ln(1.5)
    _amount(pdf, content)

    online, transfer = _online_lines(content), _transfer_lines(content)
    # One column for both codes, so that both texts start at the same left edge.
    column = max(qr_extent(portal_code), qr_extent(giro_code))
    heights = (
        _box_height(pdf, portal_code, online, column),
        _box_height(pdf, giro_code, transfer, column),
    )
    # The two boxes belong together and must not be split by a page break.
    if pdf.get_y() + sum(heights) + 2 > pdf.page_break_trigger:
        pdf.add_page()
    _box(pdf, portal_code, online, heights[0], column)
    pdf.ln(2)
    _box(pdf, giro_code, transfer, heights[1], column)
    pdf.ln(2.5)

    pdf.paragraph("So geht es weiter", size=10, style="B", gap=0.8)
    for option in _options(content):
        # markdown (for **bold**) only for these fixed texts: data could contain "--".
        pdf.paragraph(option, size=8.5, gap=0.8, markdown=True)
    # The greeting only where it fits: alone on a second page it would be a waste of paper.
    greeting = f"Mit freundlichen Grüßen\n{content.authority_name}"
    if pdf.get_y() + 9.5 <= pdf.page_break_trigger:
        pdf.ln(1)
        pdf.paragraph(greeting, size=9, gap=0)


def _document(contents: Sequence[LetterContent], title: str) -> bytes:
    if not contents:
        raise LetterError("no letters to render")
    pdf = _LetterDocument()
    pdf.describe(
        created=datetime.combine(max(c.letter_date for c in contents), time(), UTC),
        title=title,
        subject="Parkverstoß",
        author="; ".join(dict.fromkeys(c.authority_name for c in contents)),
    )
    for content in contents:
        _draw_letter(pdf, content)
    return bytes(pdf.output())


def render_letter(content: LetterContent) -> bytes:
    """One letter as a PDF document (A4)."""
    return _document([content], content.subject)


def render_letters(contents: Sequence[LetterContent]) -> bytes:
    """Many letters in one PDF for bulk printing; every letter starts on a new page."""
    return _document(contents, f"Schreiben der Bußgeldstelle ({len(contents)} Briefe)")
