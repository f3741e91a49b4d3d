"""The citizen's notices (Zahlungsaufforderungen) on the account page."""

from __future__ import annotations

from collections.abc import Sequence

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from server.auth.records import AccountRecord
from server.extensions import db
from server.payments.journal import ReceivableStatus
from server.payments.models import Receivable
from server.payments.receivables import balance


def status_text(status: ReceivableStatus) -> str:
    return {
        ReceivableStatus.OPEN: _("offen"),
        ReceivableStatus.PARTIAL: _("teilweise bezahlt"),
        ReceivableStatus.PAID: _("bezahlt"),
        ReceivableStatus.OVERPAID: _("überzahlt, wird erstattet"),
    }[status]


def describe_receivables(receivable_ids: Sequence[int]) -> list[AccountRecord]:
    receivables = db.session.scalars(
        select(Receivable).where(Receivable.id.in_(receivable_ids))
    ).all()
    return [
        AccountRecord(
            section=_("Zahlungen"),
            title=_(
                "%(description)s (Kassenzeichen %(kz)s)",
                description=receivable.description,
                kz=receivable.kassenzeichen,
            ),
            status=status_text(balance(receivable).status),
            url=url_for("payments.receivable", kassenzeichen=receivable.kassenzeichen),
            since=receivable.created_at,
        )
        for receivable in receivables
    ]
