"""Which receivables this browser may see: those it found with the notice's own data."""

from __future__ import annotations

from server.grants import SessionGrants
from server.payments.models import Receivable

_grants = SessionGrants("receivables")


def grant(receivable: Receivable) -> None:
    _grants.grant(receivable.id)


def may_see(receivable: Receivable) -> bool:
    return _grants.allows(receivable.id)
