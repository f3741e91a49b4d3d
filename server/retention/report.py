"""What will go when: per kind, its period and how many records are due now, within 30 and
within 90 days (counted by the same queries the run deletes by, at those future moments, as
things stand today: a case decided tomorrow is not counted yet)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from server.db import utcnow
from server.extensions import db
from server.mail.retention import due as due_mails
from server.retention.finders import FINDERS, appointments
from server.retention.policy import (
    Kind,
    appointment_cutoffs,
    describe,
    mail_cutoff,
    year_cutoff,
)

HORIZONS = (0, 30, 90)  # days from now


@dataclass(frozen=True)
class KindOutlook:
    kind: Kind
    period: str
    due: tuple[int, ...]  # one count per horizon in HORIZONS


def _count(kind: Kind, at: datetime) -> int:
    if kind is Kind.APPOINTMENTS:
        query = appointments(appointment_cutoffs(at))
    elif kind is Kind.MAILS:
        query = due_mails(mail_cutoff(at))
    else:
        query = FINDERS[kind](year_cutoff(kind, at))
    return int(db.session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def outlook(now: datetime | None = None) -> list[KindOutlook]:
    moment = now or utcnow()
    return [
        KindOutlook(
            kind,
            describe(kind),
            tuple(_count(kind, moment + timedelta(days=days)) for days in HORIZONS),
        )
        for kind in Kind
    ]
