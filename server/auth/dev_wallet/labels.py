"""What the development wallet shows of a request in words: the claims asked for (as either
PID format names them) and the formats."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from server.auth.wallet.dcql import MDOC, PID_NAMESPACE, SD_JWT_VC

CLAIM_LABELS: dict[tuple[str, ...], LazyString] = {
    ("given_name",): _l("Vorname"),
    ("family_name",): _l("Familienname"),
    ("birthdate",): _l("Geburtsdatum"),
    ("birth_date",): _l("Geburtsdatum"),
    ("address",): _l("Anschrift"),
    ("address", "street_address"): _l("Straße und Hausnummer"),
    ("resident_street",): _l("Straße und Hausnummer"),
    ("address", "postal_code"): _l("Postleitzahl"),
    ("resident_postal_code",): _l("Postleitzahl"),
    ("address", "locality"): _l("Wohnort"),
    ("resident_city",): _l("Wohnort"),
    ("address", "country"): _l("Staat der Anschrift"),
    ("resident_country",): _l("Staat der Anschrift"),
    ("nationalities",): _l("Staatsangehörigkeiten"),
}

FORMAT_LABELS: dict[str, LazyString] = {
    SD_JWT_VC: _l("SD-JWT VC (dc+sd-jwt)"),
    MDOC: _l("ISO mdoc (mso_mdoc)"),
}


def claim_label(path: tuple[str, ...]) -> str:
    """A claim's name in words; an mdoc's path starts with its namespace. Unknown claims by
    their path."""
    if len(path) > 1 and path[0] == PID_NAMESPACE:
        path = path[1:]
    label = CLAIM_LABELS.get(path)
    return str(label) if label is not None else ".".join(path)


def claim_labels(paths: Iterable[tuple[str, ...]]) -> list[str]:
    """Each claim once, in the order asked."""
    seen: list[str] = []
    for path in paths:
        label = claim_label(path)
        if label not in seen:
            seen.append(label)
    return seen
