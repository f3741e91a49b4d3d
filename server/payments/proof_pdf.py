"""The proof of payment (*Zahlungsbestätigung*) as a PDF: the city's A4 receipt page (letterhead,
label/value rows, footer with the page count) with what was paid, when, which way and under
which reference. Always in German (an official paper); dated by the payment, so the same
payment gives the same document."""

from __future__ import annotations

from flask import current_app

from server.formatting import german_date_time
from server.payments.proof import PaymentProof
from server.pdf.receipt import ReceiptDocument
from server.pdf.text import amount

NOTE = (
    "Diese Bestätigung wurde maschinell erstellt und ist ohne Unterschrift gültig. Bitte bewahren "
    "Sie sie auf."
)


def render_proof(proof: PaymentProof) -> bytes:
    """Always German: the amounts as ``server.pdf.text.amount`` prints them."""
    config = current_app.config
    payee = str(config["PAYEE_NAME"])
    pdf = ReceiptDocument(footer=f"Zahlungsbestätigung · Kassenzeichen {proof.kassenzeichen}")
    pdf.describe(
        created=proof.paid_at,
        title=f"Zahlungsbestätigung – Kassenzeichen {proof.kassenzeichen}",
        subject=proof.description,
        author=payee,
    )
    pdf.add_page()
    pdf.letterhead(f"Stadt {config['PORTAL_CITY_NAME']}", (payee,))
    pdf.paragraph("Zahlungsbestätigung", size=17, style="B", gap=3)
    pdf.facts(
        (
            ("Kassenzeichen", proof.kassenzeichen),
            ("Zahlungsgrund", proof.description),
            ("Zahlungspflichtig", proof.debtor_name),
            ("Betrag", amount(proof.amount_cents)),
            ("Bezahlt am", german_date_time(proof.paid_at)),
            ("Zahlungsweg", proof.way),
            ("Referenz", proof.reference),
        )
    )
    pdf.paragraph(
        f"Wir bestätigen den Eingang von {amount(proof.amount_cents)} zum Kassenzeichen "
        f"{proof.kassenzeichen}. Die Forderung ist damit vollständig bezahlt.",
        size=10.5,
    )
    if len(proof.lines) > 1:
        pdf.heading("Einzelne Zahlungen")
        pdf.facts(
            tuple(
                (
                    german_date_time(line.paid_at),
                    f"{amount(line.amount_cents)} · {line.way} · Referenz {line.reference}",
                )
                for line in proof.lines
            )
        )
    pdf.paragraph(NOTE, size=9)
    return bytes(pdf.output())
