"""Which cases this browser has opened with the letter's credentials."""

from __future__ import annotations

from server.fines.models import FineCase
from server.fines.shown import ShownCase
from server.grants import SessionGrants

_grants = SessionGrants("fine_cases")


def grant(case: FineCase) -> None:
    _grants.grant(case.id)


def may_see(case: FineCase | ShownCase) -> bool:
    return _grants.allows(case.id)
