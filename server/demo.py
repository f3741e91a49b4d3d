"""Demo data for `portal demo`: a few clerks, one per role. Never in production."""

from __future__ import annotations

from dataclasses import dataclass

from server.auth.clerks import create_clerk, find_clerk
from server.auth.roles import Role


@dataclass(frozen=True)
class DemoClerk:
    username: str
    display_name: str
    password: str
    roles: tuple[Role, ...]


DEMO_CLERKS = (
    DemoClerk("admin", "Alex Admin", "demo-admin-2026", (Role.ADMIN,)),
    DemoClerk("bussgeld", "Berta Bußgeld", "demo-bussgeld-2026", (Role.FINES,)),
    DemoClerk("standesamt", "Stefan Standesamt", "demo-standesamt-2026", (Role.REGISTRY_OFFICE,)),
    DemoClerk("stadtkasse", "Karla Kasse", "demo-stadtkasse-2026", (Role.CASH_OFFICE,)),
    DemoClerk("jugendamt", "Jana Jugendamt", "demo-jugendamt-2026", (Role.YOUTH_OFFICE,)),
)


def seed_demo_data() -> None:
    """Create what is missing; running it twice changes nothing."""
    for demo in DEMO_CLERKS:
        if find_clerk(demo.username) is None:
            create_clerk(
                username=demo.username,
                display_name=demo.display_name,
                password=demo.password,
                roles=demo.roles,
            )
