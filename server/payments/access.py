"""Which receivables this browser may see: those it found with the notice's own data."""

from __future__ import annotations

from flask import session

from server.payments.models import Receivable

SESSION_KEY = "receivables"
MAX_GRANTS = 20


def grant(receivable: Receivable) -> None:
    granted = [rid for rid in session.get(SESSION_KEY, []) if rid != receivable.id]
    session[SESSION_KEY] = [*granted, receivable.id][-MAX_GRANTS:]


def may_see(receivable: Receivable) -> bool:
    return receivable.id in session.get(SESSION_KEY, [])
