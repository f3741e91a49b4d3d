"""Where the proof of payment of a paid Verwarnungsgeld goes: the e-mail address given in the
hearing, else the account of a citizen who opened the case while logged in."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Select, bindparam, func, select

from server.auth.models import Citizen, CitizenRecord
from server.extensions import db
from server.fines.models import FineCase, HearingStatement
from server.payments.models import Receivable


@cache
def _addresses() -> Select[str | None, str | None]:
    """For the case of the receivable: the latest address given in its hearing and that of the
    first account linked to it, in one statement: it runs in the booking's transaction of every
    fine paid (issue 17)."""
    given = (
        select(HearingStatement.email)
        .where(HearingStatement.case_id == FineCase.id, HearingStatement.email.is_not(None))
        .order_by(HearingStatement.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    account = (
        select(func.coalesce(func.nullif(Citizen.email, ""), Citizen.login_email))
        .join(CitizenRecord, CitizenRecord.citizen_id == Citizen.id)
        .where(CitizenRecord.kind == "fine_cases", CitizenRecord.record_id == FineCase.id)
        .order_by(Citizen.id)
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(given, account)
        .select_from(FineCase)
        .where(FineCase.receivable_id == bindparam("receivable_id"))
    )


def proof_recipient(receivable: Receivable) -> str | None:
    row = db.session.execute(_addresses(), {"receivable_id": receivable.id}).first()
    if row is None:  # not a fine's receivable
        return None
    given, account = row
    return given or account or None
