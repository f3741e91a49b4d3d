"""The clerks' roles; each back-office queue is gated by one of them."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    FINES = "fines"  # Bußgeldstelle
    REGISTRY_OFFICE = "registry_office"  # Standesamt
    CASH_OFFICE = "cash_office"  # Stadtkasse
    YOUTH_OFFICE = "youth_office"  # Jugendamt (Kita)
    CITIZEN_OFFICE = "citizen_office"  # Bürgerbüro: general requests, documents sent in later
    APPOINTMENTS = "appointments"  # Bürgerbüro: appointments, arrivals, the call display
    PUBLIC_WORKS = "public_works"  # Baubetriebshof: reported defects (Mängelmelder)
    ELECTION_OFFICE = "election_office"  # Wahlamt: postal vote applications (Briefwahl)
    TRAFFIC_OFFICE = "traffic_office"  # Straßenverkehrsbehörde: resident parking permits
    TAX_OFFICE = "tax_office"  # Steueramt: dog tax
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.FINES: _l("Bußgeldstelle"),
    Role.REGISTRY_OFFICE: _l("Standesamt"),
    Role.CASH_OFFICE: _l("Stadtkasse"),
    Role.YOUTH_OFFICE: _l("Jugendamt"),
    Role.CITIZEN_OFFICE: _l("Bürgerbüro"),
    Role.APPOINTMENTS: _l("Bürgerbüro: Termine"),
    Role.PUBLIC_WORKS: _l("Baubetriebshof"),
    Role.ELECTION_OFFICE: _l("Wahlamt"),
    Role.TRAFFIC_OFFICE: _l("Straßenverkehrsbehörde"),
    Role.TAX_OFFICE: _l("Steueramt"),
    Role.ADMIN: _l("Administration"),
}
