"""Which cases this browser has opened with the letter's credentials."""

from __future__ import annotations

from flask import session

from server.fines.models import FineCase

SESSION_KEY = "fine_cases"
MAX_GRANTS = 20


def grant(case: FineCase) -> None:
    granted = [cid for cid in session.get(SESSION_KEY, []) if cid != case.id]
    session[SESSION_KEY] = [*granted, case.id][-MAX_GRANTS:]


def may_see(case: FineCase) -> bool:
    return case.id in session.get(SESSION_KEY, [])
