"""Demo data for `portal demo`: clerks, one per role, and notices to pay. Never in production.

Every demo clerk has a fixed TOTP secret, printed by `portal demo`: a developer adds it to an
authenticator app once, or asks `portal clerks code <username>` for the current code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from server.auth import second_factor
from server.auth.clerks import create_clerk, find_clerk
from server.auth.roles import Role
from server.formatting import city_today
from server.payments.receivables import count_receivables, create_receivable


@dataclass(frozen=True)
class DemoClerk:
    username: str
    display_name: str
    password: str
    roles: tuple[Role, ...]
    totp_secret: str  # base32, for an authenticator app


DEMO_CLERKS = (
    DemoClerk(
        "admin", "Alex Admin", "demo-admin-2026", (Role.ADMIN,), "MRSW23ZNORXXI4BNMFSG22LOFUWS2LJN"
    ),
    DemoClerk(
        "bussgeld",
        "Berta Bußgeld",
        "demo-bussgeld-2026",
        (Role.FINES,),
        "MRSW23ZNORXXI4BNMJ2XG43HMVWGILJN",
    ),
    DemoClerk(
        "standesamt",
        "Stefan Standesamt",
        "demo-standesamt-2026",
        (Role.REGISTRY_OFFICE,),
        "MRSW23ZNORXXI4BNON2GC3TEMVZWC3LU",
    ),
    DemoClerk(
        "stadtkasse",
        "Karla Kasse",
        "demo-stadtkasse-2026",
        (Role.CASH_OFFICE,),
        "MRSW23ZNORXXI4BNON2GCZDUNNQXG43F",
    ),
    DemoClerk(
        "jugendamt",
        "Jana Jugendamt",
        "demo-jugendamt-2026",
        (Role.YOUTH_OFFICE,),
        "MRSW23ZNORXXI4BNNJ2WOZLOMRQW25BN",
    ),
    DemoClerk(
        "buergerbuero",
        "Bernd Bürgerbüro",
        "demo-buergerbuero-2026",
        (Role.CITIZEN_OFFICE, Role.APPOINTMENTS),
        "MRSW23ZNORXXI4BNMJ2WK4THMVZGE4TP",
    ),
    DemoClerk(
        "wahlamt",
        "Wilma Wahlamt",
        "demo-wahlamt-2026",
        (Role.ELECTION_OFFICE,),
        "MRSW23ZNORXXI4BNO5QWQ3DBNV2C2MRW",
    ),
    DemoClerk(
        "verkehr",
        "Vera Verkehr",
        "demo-verkehr-2026",
        (Role.TRAFFIC_OFFICE,),
        "MRSW23ZNORXXI4BNOZSXE23FNBZC2MRW",
    ),
    DemoClerk(
        "steueramt",
        "Stella Steueramt",
        "demo-steueramt-2026",
        (Role.TAX_OFFICE,),
        "MRSW23ZNORXXI4BNON2GK5LFOJQW25BN",
    ),
    DemoClerk(
        "baubetriebshof",
        "Bodo Baubetriebshof",
        "demo-baubetriebshof-2026",
        (Role.PUBLIC_WORKS,),
        "MRSW23ZNORXXI4BNMJQXKYTFORZGSZLC",
    ),
)


@dataclass(frozen=True)
class DemoNotice:
    description: str
    debtor_name: str
    amount_cents: int


DEMO_NOTICES = (
    DemoNotice("Gebühr Bewohnerparkausweis 2027", "Erika Mustermann", 3000),
    DemoNotice("Hundesteuer 2027", "Max Mustermann", 9600),
    DemoNotice("Verwaltungsgebühr Führungszeugnis", "Erika Mustermann", 1300),
)


def seed_demo_data() -> list[tuple[str, int, str]]:
    """Create what is missing; running it twice changes nothing. Returns the notices created
    now as (Kassenzeichen, amount in cents, link token)."""
    for demo in DEMO_CLERKS:
        clerk = find_clerk(demo.username)
        if clerk is None:
            clerk = create_clerk(
                username=demo.username,
                display_name=demo.display_name,
                password=demo.password,
                roles=demo.roles,
            )
        # Also after an administrator's reset in the demo: the printed secret works again.
        if second_factor.readable_secret(clerk) is None:
            second_factor.enrol_with_secret(clerk, demo.totp_secret)
    created = []
    if count_receivables() == 0:
        for notice in DEMO_NOTICES:
            new = create_receivable(
                purpose="notice",
                amount_cents=notice.amount_cents,
                description=notice.description,
                debtor_name=notice.debtor_name,
                due_date=city_today() + timedelta(days=14),
            )
            created.append((new.receivable.kassenzeichen, notice.amount_cents, new.access_token))
    return created
