"""Paying by bank transfer: the city's bank details and the GiroCode for one receivable."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from server.payments.girocode import Beneficiary, epc_payload, girocode_svg
from server.payments.models import Receivable
from server.payments.references import format_kassenzeichen, format_rf


@dataclass(frozen=True)
class TransferDetails:
    recipient: str
    iban: str
    bic: str | None
    amount_cents: int
    reference: str  # what the citizen types as Verwendungszweck
    reference_printed: str  # the same, grouped for reading
    girocode_svg: str


def beneficiary() -> Beneficiary:
    config = current_app.config
    return Beneficiary(
        name=config["PAYEE_NAME"], iban=config["PAYEE_IBAN"], bic=config["PAYEE_BIC"] or None
    )


def transfer_details(receivable: Receivable, open_cents: int, *, title: str) -> TransferDetails:
    payee = beneficiary()
    if current_app.config["GIROCODE_REMITTANCE"] == "text":
        reference = receivable.kassenzeichen
        printed = format_kassenzeichen(reference)
        payload = epc_payload(
            beneficiary=payee, amount_cents=open_cents, text=f"Kassenzeichen {reference}"
        )
    else:
        reference = receivable.rf_reference
        printed = format_rf(reference)
        payload = epc_payload(beneficiary=payee, amount_cents=open_cents, rf_reference=reference)
    iban = payee.iban.replace(" ", "")
    return TransferDetails(
        recipient=payee.name,
        iban=" ".join(iban[i : i + 4] for i in range(0, len(iban), 4)),
        bic=payee.bic,
        amount_cents=open_cents,
        reference=reference,
        reference_printed=printed,
        girocode_svg=girocode_svg(payload, title=title),
    )
