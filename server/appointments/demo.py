"""The demo's offices: two Bürgerbüros with counters, opening hours and services, so that
`portal demo` books real appointments. Also what a city's set-up looks like (README)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from sqlalchemy import func, select

from server.appointments.models import Counter, Location, OpeningHours, Service
from server.extensions import db


@dataclass(frozen=True)
class DemoService:
    slug: str
    name: str
    name_en: str
    minutes: int
    bring: str
    bring_en: str


DEMO_SERVICES = (
    DemoService(
        "personalausweis",
        "Personalausweis beantragen",
        "Apply for an identity card",
        20,
        "Bisheriger Personalausweis oder Reisepass\nEin aktuelles biometrisches Passfoto\n"
        "Gebühr: 37,00 € (ab 24 Jahren) – bar oder mit Karte",
        "Your current identity card or passport\nA recent biometric passport photo\n"
        "Fee: €37.00 (from the age of 24) – cash or card",
    ),
    DemoService(
        "reisepass",
        "Reisepass beantragen",
        "Apply for a passport",
        20,
        "Bisheriger Reisepass oder Personalausweis\nEin aktuelles biometrisches Passfoto\n"
        "Gebühr: 70,00 € (ab 24 Jahren) – bar oder mit Karte",
        "Your current passport or identity card\nA recent biometric passport photo\n"
        "Fee: €70.00 (from the age of 24) – cash or card",
    ),
    DemoService(
        "wohnsitz-anmelden",
        "Wohnsitz anmelden",
        "Register your address",
        15,
        "Personalausweis oder Reisepass\nWohnungsgeberbestätigung Ihres Vermieters",
        "Identity card or passport\nThe landlord's confirmation (Wohnungsgeberbestätigung)",
    ),
    DemoService(
        "meldebescheinigung",
        "Meldebescheinigung",
        "Certificate of registration",
        10,
        "Personalausweis oder Reisepass\nGebühr: 10,00 €",
        "Identity card or passport\nFee: €10.00",
    ),
    DemoService(
        "fuehrerschein",
        "Führerschein umtauschen",
        "Exchange a driving licence",
        15,
        "Bisheriger Führerschein\nPersonalausweis oder Reisepass\nEin biometrisches Passfoto",
        "Your current driving licence\nIdentity card or passport\nA biometric passport photo",
    ),
    DemoService(
        "urkunde",
        "Personenstandsurkunde beantragen",
        "Apply for a civil-status certificate",
        15,
        "Personalausweis oder Reisepass\nFür Urkunden anderer Personen: Nachweis Ihres "
        "Interesses\nGebühr: 12,00 € je Urkunde – bar oder mit Karte",
        "Identity card or passport\nFor other people's certificates: proof of your interest\n"
        "Fee: €12.00 per certificate – cash or card",
    ),
)


# Open appointments are limited per group: identity documents, registration, driving licence.
DEMO_GROUPS = {
    "personalausweis": "ausweisdokumente",
    "reisepass": "ausweisdokumente",
    "wohnsitz-anmelden": "meldewesen",
    "meldebescheinigung": "meldewesen",
    "fuehrerschein": "fuehrerschein",
    "urkunde": "standesamt",
}


@dataclass(frozen=True)
class DemoLocation:
    name: str
    address: str
    counters: tuple[str, ...]
    hours: tuple[tuple[tuple[int, ...], time, time], ...]  # (weekdays, opens, closes)
    services: tuple[str, ...]


DEMO_LOCATIONS = (
    DemoLocation(
        "Bürgerbüro Mitte",
        "Rathausplatz 1, 12345 Musterstadt",
        ("Schalter 1", "Schalter 2", "Schalter 3"),
        (((0, 1, 2, 3, 4), time(8), time(12, 30)), ((1, 3), time(14), time(18))),
        tuple(service.slug for service in DEMO_SERVICES if service.slug != "urkunde"),
    ),
    DemoLocation(
        "Bürgerbüro Nord",
        "Nordring 12, 12347 Musterstadt",
        ("Schalter 1", "Schalter 2"),
        (((0, 2, 4), time(8), time(13)), ((3,), time(12), time(18))),
        ("personalausweis", "reisepass", "wohnsitz-anmelden", "meldebescheinigung"),
    ),
    # Where a citizen without the eID applies for a certificate in person (§ 6 Abs. 3 PStV).
    DemoLocation(
        "Standesamt",
        "Rathausplatz 1, 12345 Musterstadt",
        ("Zimmer 104",),
        (((0, 1, 2, 3, 4), time(8), time(12)),),
        ("urkunde",),
    ),
)


def seed_appointments() -> int:
    """The demo's services and locations, unless any location exists; returns how many
    locations were created."""
    if (db.session.scalar(select(func.count()).select_from(Location)) or 0) > 0:
        return 0
    with db.transaction() as session:
        services = {}
        for demo in DEMO_SERVICES:
            service = Service(
                slug=demo.slug,
                name=demo.name,
                name_en=demo.name_en,
                duration_minutes=demo.minutes,
                bring=demo.bring,
                bring_en=demo.bring_en,
                service_group=DEMO_GROUPS[demo.slug],
            )
            session.add(service)
            services[demo.slug] = service
        for place in DEMO_LOCATIONS:
            location = Location(name=place.name, address=place.address)
            location.counters = [Counter(name=name) for name in place.counters]
            location.hours = [
                OpeningHours(weekday=day, opens=opens, closes=closes)
                for days, opens, closes in place.hours
                for day in days
            ]
            location.services = [services[slug] for slug in place.services]
            session.add(location)
    return len(DEMO_LOCATIONS)
