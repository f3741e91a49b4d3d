"""The receipt (*Eingangsbestätigung*) for a statement made in the online hearing, as a PDF.

In the *Anhörung* (hearing, § 55 OWiG) the person concerned may admit the offence (with a
comment), contest it, or name the person who drove (*Fahrerin oder Fahrer benennen*). Whatever
they say about the facts is voluntary; their personal details (name, address, date of birth) they
must give correctly (§ 111 OWiG), so the receipt repeats them as given. The receipt only confirms
that the statement arrived: the Bußgeldstelle decides later, and only against a later
*Bußgeldbescheid* (formal fine notice) can an *Einspruch* (objection) be lodged.

The page is a plain A4 document, not a window letter: it is downloaded, not posted. Fonts,
margins and the German number formats come from ``server.fines.letter_pdf``. The citizen's text
is printed whole and never read as markup; it runs on over as many pages as it needs, and every
page carries the Aktenzeichen and "Seite n von m". The same receipt gives byte-identical output,
because the document date is the time the statement was received.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fpdf.enums import XPos, YPos

from server.fines.letter_pdf import LetterError
from server.formatting import german_date, german_time
from server.pdf.page import INFO_LEFT, LEFT, PAGE_WIDTH, RIGHT, TEXT_WIDTH, ReceiptPage, printable

# What the citizen chose, in the words the receipt uses for it.
STATEMENT_KINDS = {
    "admit": "Sie räumen den Verstoß ein.",
    "contest": "Sie bestreiten den Verstoß.",
    "nominate": "Sie haben eine andere Person als Fahrerin oder Fahrer benannt.",
}
LATE_NOTE = (
    "Ihre Äußerung ist nach Ablauf der Frist eingegangen; die Bußgeldstelle berücksichtigt die "
    "Äußerung trotzdem."
)
NEXT_STEPS = (
    "Die Bußgeldstelle prüft Ihre Äußerung. Über ihre Entscheidung werden Sie informiert.",
    "Ein Einspruch ist erst gegen einen späteren Bußgeldbescheid möglich – nicht gegen diese "
    "Bestätigung.",
    "Bitte bewahren Sie diese Bestätigung auf.",
)
_TOTAL_PAGES = "{nb}"  # fpdf2's placeholder for the page count, filled in on output


@dataclass(frozen=True)
class StatementReceipt:
    """What the portal received from the citizen. ``kind`` is ``"admit"``, ``"contest"`` or
    ``"nominate"``; ``received_at`` must carry its time zone; ``driver_lines`` are given only for
    ``"nominate"``; ``attachments`` are file names with their sizes, printed as given."""

    authority_name: str
    authority_lines: tuple[str, ...]
    aktenzeichen: str
    received_at: datetime
    kind: str
    statement_text: str
    person_lines: tuple[str, ...]
    driver_lines: tuple[str, ...]
    attachments: tuple[str, ...]
    late: bool
    reference: str

    def __post_init__(self) -> None:
        if self.kind not in STATEMENT_KINDS:
            raise LetterError(
                f"kind must be one of {', '.join(STATEMENT_KINDS)}, not {self.kind!r}"
            )
        # A naive time would be printed in whatever zone the server runs in.
        if self.received_at.utcoffset() is None:
            raise LetterError("received_at must be timezone-aware")
        if self.kind == "nominate" and not self.driver_lines:
            raise LetterError("a nomination needs the driver's details")
        if self.kind != "nominate" and self.driver_lines:
            raise LetterError(f"driver details belong to a nomination, not to {self.kind!r}")

    @property
    def title(self) -> str:
        return f"Eingangsbestätigung – Aktenzeichen {self.aktenzeichen}"


class _ReceiptDocument(ReceiptPage):
    """The hearing receipt, with its footer on every page."""

    def __init__(self, receipt: StatementReceipt) -> None:
        self.receipt = receipt
        super().__init__()

    def footer(self) -> None:
        self.alias_nb_pages(_TOTAL_PAGES)
        self.set_y(-12)
        self.set_font(self.sans, "", 7.5)
        self.set_text_color(90)
        left = printable(self, f"Eingangsbestätigung · Eingangsnummer {self.receipt.reference}")
        right = printable(
            self,
            f"Aktenzeichen {self.receipt.aktenzeichen} · Seite {self.page_no()} von {_TOTAL_PAGES}",
        )
        self.cell(TEXT_WIDTH / 2, 4, left)
        self.cell(TEXT_WIDTH / 2, 4, right, align="R")
        self.set_text_color(0)

    def lines(self, lines: tuple[str, ...], *, bullet: bool = False, empty: str = "") -> None:
        if not lines:
            self.paragraph(empty, gap=1)
            return
        for line in lines:
            self.paragraph(f"• {line}" if bullet else line, gap=0.3)
        self.ln(0.7)


def _letterhead(pdf: _ReceiptDocument, receipt: StatementReceipt) -> None:
    pdf.set_xy(LEFT, 14)
    pdf.set_font(pdf.sans, "B", 13)
    pdf.multi_cell(INFO_LEFT - LEFT - 5, 6, printable(pdf, receipt.authority_name), align="L")
    bottom = pdf.get_y()
    pdf.set_font(pdf.sans, "", 8)
    pdf.set_y(14)
    for line in receipt.authority_lines:
        if line == receipt.authority_name:
            continue
        pdf.set_x(INFO_LEFT)
        pdf.cell(
            PAGE_WIDTH - INFO_LEFT - RIGHT,
            3.8,
            printable(pdf, line),
            new_x=XPos.LEFT,
            new_y=YPos.NEXT,
        )
    pdf.set_xy(LEFT, max(bottom, pdf.get_y()) + 10)


def _facts(pdf: _ReceiptDocument, rows: tuple[tuple[str, str], ...]) -> None:
    label_width = 42.0
    for label, value in rows:
        y = pdf.get_y()
        pdf.set_font(pdf.sans, "", 9)
        pdf.set_text_color(90)
        pdf.set_xy(LEFT, y)
        pdf.cell(label_width, 5, label)
        pdf.set_text_color(0)
        pdf.set_font(pdf.sans, "B", 10)
        pdf.set_xy(LEFT + label_width, y)
        pdf.multi_cell(
            TEXT_WIDTH - label_width,
            5,
            printable(pdf, value),
            align="L",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    pdf.ln(3)


def _draw(pdf: _ReceiptDocument, receipt: StatementReceipt) -> None:
    day, clock = german_date(receipt.received_at), german_time(receipt.received_at)
    pdf.add_page()
    _letterhead(pdf, receipt)
    pdf.paragraph("Eingangsbestätigung", size=17, style="B", gap=3)
    _facts(
        pdf,
        (
            ("Aktenzeichen", receipt.aktenzeichen),
            ("Eingangsnummer", receipt.reference),
            ("Eingegangen", f"{day}, {clock} Uhr"),
        ),
    )
    pdf.paragraph(f"Ihre Äußerung ist am {day} um {clock} Uhr eingegangen.", size=10.5)
    if receipt.late:
        pdf.paragraph(LATE_NOTE, size=10.5)

    pdf.heading("Ihre Äußerung")
    pdf.paragraph(STATEMENT_KINDS[receipt.kind], style="B")
    pdf.heading("Ihr Text")
    # Only whitespace is as good as nothing, but what was typed is printed as typed.
    if receipt.statement_text.strip():
        pdf.paragraph(receipt.statement_text)
    else:
        pdf.paragraph("Sie haben keinen Text eingegeben.")

    pdf.heading("Ihre Angaben zur Person")
    pdf.lines(receipt.person_lines, empty="Keine Angaben.")
    if receipt.kind == "nominate":
        pdf.heading("Angaben zur Fahrerin oder zum Fahrer")
        pdf.lines(receipt.driver_lines)
    pdf.heading("Hochgeladene Dateien")
    pdf.lines(receipt.attachments, bullet=True, empty="Keine Dateien.")

    pdf.heading("Wie geht es weiter?")
    for step in NEXT_STEPS:
        pdf.paragraph(step, gap=1)


def render_receipt(receipt: StatementReceipt) -> bytes:
    """The receipt as a PDF document (A4, one or more pages)."""
    pdf = _ReceiptDocument(receipt)
    # Dated by the receipt, not by the clock: the same receipt gives the same bytes.
    pdf.set_creation_date(receipt.received_at.astimezone(UTC))
    pdf.set_lang("de-DE")
    pdf.set_creator("Bürgerportal")
    pdf.set_title(receipt.title)
    pdf.set_author(receipt.authority_name)
    pdf.set_subject("Äußerung im Anhörungsverfahren")
    _draw(pdf, receipt)
    return bytes(pdf.output())
