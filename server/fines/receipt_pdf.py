"""The receipt (*Eingangsbestätigung*) for a statement made in the online hearing, as a PDF.

In the *Anhörung* (hearing, § 55 OWiG) the person concerned may admit the offence (with a
comment), contest it, or name the person who drove (*Fahrerin oder Fahrer benennen*). Whatever
they say about the facts is voluntary; their personal details (name, address, date of birth) they
must give correctly (§ 111 OWiG), so the receipt repeats them as given. The receipt only confirms
that the statement arrived: the Bußgeldstelle decides later, and only against a later
*Bußgeldbescheid* (formal fine notice) can an *Einspruch* (objection) be lodged.

The page is the portal's receipt page (``server.pdf.receipt``), not a window letter: it is
downloaded, not posted. The citizen's text is printed whole and never read as markup; it runs on
over as many pages as it needs, and every page carries the Aktenzeichen and "Seite n von m".
The same receipt gives byte-identical output, because the document date is the time the
statement was received.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from server.formatting import german_date, german_time
from server.pdf.fonts import PdfError
from server.pdf.receipt import ReceiptDocument

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
_LABEL_WIDTH = 42.0


@dataclass(frozen=True)
class StatementReceipt:
    """What the portal received from the citizen. ``kind`` is ``"admit"``, ``"contest"`` or
    ``"nominate"``; ``received_at`` must carry its time zone; ``driver_lines`` are given only for
    ``"nominate"``; ``attachments`` are file names with their sizes, printed as given; ``privacy``
    is the short privacy notice as (label, text) rows."""

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
    # The short privacy notice (label, text) printed at the end (Art. 13 DSGVO).
    privacy: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in STATEMENT_KINDS:
            raise PdfError(f"kind must be one of {', '.join(STATEMENT_KINDS)}, not {self.kind!r}")
        # A naive time would be printed in whatever zone the server runs in.
        if self.received_at.utcoffset() is None:
            raise PdfError("received_at must be timezone-aware")
        if self.kind == "nominate" and not self.driver_lines:
            raise PdfError("a nomination needs the driver's details")
        if self.kind != "nominate" and self.driver_lines:
            raise PdfError(f"driver details belong to a nomination, not to {self.kind!r}")

    @property
    def title(self) -> str:
        return f"Eingangsbestätigung – Aktenzeichen {self.aktenzeichen}"


def _lines(
    pdf: ReceiptDocument, lines: tuple[str, ...], *, bullet: bool = False, empty: str = ""
) -> None:
    if not lines:
        pdf.paragraph(empty, gap=1)
        return
    for line in lines:
        pdf.paragraph(f"• {line}" if bullet else line, gap=0.3)
    pdf.ln(0.7)


def _draw(pdf: ReceiptDocument, receipt: StatementReceipt) -> None:
    day, clock = german_date(receipt.received_at), german_time(receipt.received_at)
    pdf.add_page()
    pdf.letterhead(receipt.authority_name, receipt.authority_lines)
    pdf.paragraph("Eingangsbestätigung", size=17, style="B", gap=3)
    pdf.facts(
        (
            ("Aktenzeichen", receipt.aktenzeichen),
            ("Eingangsnummer", receipt.reference),
            ("Eingegangen", f"{day}, {clock} Uhr"),
        ),
        label_width=_LABEL_WIDTH,
        value_style="B",
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
    _lines(pdf, receipt.person_lines, empty="Keine Angaben.")
    if receipt.kind == "nominate":
        pdf.heading("Angaben zur Fahrerin oder zum Fahrer")
        _lines(pdf, receipt.driver_lines)
    pdf.heading("Hochgeladene Dateien")
    _lines(pdf, receipt.attachments, bullet=True, empty="Keine Dateien.")

    pdf.heading("Wie geht es weiter?")
    for step in NEXT_STEPS:
        pdf.paragraph(step, gap=1)
    if receipt.privacy:
        pdf.heading("Datenschutz")
        pdf.facts(receipt.privacy, label_width=_LABEL_WIDTH)


def render_receipt(receipt: StatementReceipt) -> bytes:
    """The receipt as a PDF document (A4, one or more pages)."""
    pdf = ReceiptDocument(
        footer=f"Eingangsbestätigung · Eingangsnummer {receipt.reference}",
        reference=f"Aktenzeichen {receipt.aktenzeichen}",
    )
    pdf.describe(
        created=receipt.received_at,
        title=receipt.title,
        subject="Äußerung im Anhörungsverfahren",
        author=receipt.authority_name,
    )
    _draw(pdf, receipt)
    return bytes(pdf.output())
