"""Where the proof of payment of a paid Verwarnungsgeld goes: the e-mail address given in the
hearing, else the account of a citizen who opened the case while logged in."""

from __future__ import annotations

from sqlalchemy import select

from server.auth.models import Citizen, CitizenRecord
from server.extensions import db
from server.fines.models import FineCase, HearingStatement
from server.payments.models import Receivable


def proof_recipient(receivable: Receivable) -> str | None:
    case_id = db.session.scalar(select(FineCase.id).where(FineCase.receivable_id == receivable.id))
    if case_id is None:
        return None
    email = db.session.scalar(
        select(HearingStatement.email)
        .where(HearingStatement.case_id == case_id, HearingStatement.email.is_not(None))
        .order_by(HearingStatement.id.desc())
    )
    if email:
        return email
    citizen = db.session.scalar(
        select(Citizen)
        .join(CitizenRecord, CitizenRecord.citizen_id == Citizen.id)
        .where(CitizenRecord.kind == "fine_cases", CitizenRecord.record_id == case_id)
        .order_by(Citizen.id)
    )
    return (citizen.email or citizen.login_email) if citizen is not None else None
