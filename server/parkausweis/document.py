"""The permit to lay behind the windscreen: zone, plate, validity, and a QR code with the
verification page's address, which an enforcement officer's phone opens."""

from __future__ import annotations

import io

import segno
from flask import current_app
from flask_babel import force_locale

from server.formatting import german_date
from server.parkausweis import zones
from server.parkausweis.models import ParkingPermit
from server.pdf.receipt import ReceiptDocument
from server.urls import public_url

QR_SIDE_MM = 45.0  # with its quiet zone: read from a windscreen at arm's length


def verification_url(permit: ParkingPermit) -> str:
    return public_url("parkausweis.verify", token=permit.token)


def render(permit: ParkingPermit, reference: str) -> bytes:
    with force_locale("de"):
        return _render(permit, reference)


def _render(permit: ParkingPermit, reference: str) -> bytes:
    city = f"Stadt {current_app.config['PORTAL_CITY_NAME']}"
    zone = zones.table().zone(permit.zone)
    pdf = ReceiptDocument(footer=f"Bewohnerparkausweis · {city}", reference=reference)
    pdf.describe(
        created=permit.issued_at,
        title=f"Bewohnerparkausweis {permit.plate}",
        subject="Bewohnerparkausweis",
        author=city,
    )
    pdf.add_page()
    pdf.letterhead(city, ("Straßenverkehrsbehörde",))
    pdf.paragraph("Bewohnerparkausweis", size=20, style="B", gap=1)
    pdf.paragraph("nach § 45 Abs. 1b Nr. 2a StVO", size=9, gap=4)
    pdf.paragraph(f"Zone {permit.zone}" + (f" – {zone.name}" if zone else ""), size=28, style="B")
    pdf.paragraph(permit.plate, size=28, style="B", gap=4)
    pdf.facts(
        (
            ("Gültig vom", german_date(permit.valid_from)),
            ("Gültig bis", german_date(permit.valid_until)),
            ("Antragsnummer", reference),
        )
    )
    code = segno.make(verification_url(permit), error="M", micro=False)
    png = io.BytesIO()
    code.save(png, kind="png", scale=8, border=4)
    png.seek(0)
    pdf.image(png, x=pdf.get_x(), y=pdf.get_y() + 2, w=QR_SIDE_MM, h=QR_SIDE_MM)
    pdf.set_y(pdf.get_y() + QR_SIDE_MM + 6)
    pdf.paragraph(
        "Gut sichtbar hinter der Windschutzscheibe auslegen. Der QR-Code führt zur Prüfseite der "
        "Stadt, die Zone, Kennzeichen und Gültigkeit zeigt.",
        size=9,
    )
    return bytes(pdf.output())
