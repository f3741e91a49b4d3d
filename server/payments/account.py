"""The citizen's notices (Zahlungsaufforderungen) on the account page."""

from __future__ import annotations

from collections.abc import Sequence

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from server.auth.records import AccountRecord
from server.extensions import db
from server.payments.display import receivable_title
from server.payments.journal import Balance, ReceivableStatus
from server.payments.models import Receivable
from server.payments.proof import closed_status_text, closing_reason
from server.payments.receivables import balance
from server.payments.refunds import refunds_of


def status_text(status: ReceivableStatus) -> str:
    return {
        ReceivableStatus.OPEN: _("offen"),
        ReceivableStatus.PARTIAL: _("teilweise bezahlt"),
        ReceivableStatus.PAID: _("bezahlt"),
        ReceivableStatus.OVERPAID: _("überzahlt, wird erstattet"),
        ReceivableStatus.CLOSED: _("erledigt"),
    }[status]


def receivable_status_text(receivable: Receivable, current: Balance | None = None) -> str:
    """What the account page says: why a closed notice is done, and whether money went back."""
    current = current or balance(receivable)
    refunded = bool(refunds_of(receivable))
    reason = closing_reason(receivable)
    if reason is not None:
        text = closed_status_text(reason)
        if current.open_cents < 0:  # paid after it was closed: the cash office pays it back
            return _("%(status)s, Zahlung wird erstattet", status=text)
        return _("%(status)s, erstattet", status=text) if refunded else text
    if refunded and current.paid_cents <= 0:
        return _("erstattet")
    return status_text(current.status)


def describe_receivables(receivable_ids: Sequence[int]) -> list[AccountRecord]:
    receivables = db.session.scalars(
        select(Receivable).where(Receivable.id.in_(receivable_ids))
    ).all()
    return [
        AccountRecord(
            section=_("Zahlungen"),
            title=_(
                "%(description)s (Kassenzeichen %(kz)s)",
                description=receivable_title(receivable),
                kz=receivable.kassenzeichen,
            ),
            status=receivable_status_text(receivable),
            url=url_for("payments.receivable", kassenzeichen=receivable.kassenzeichen),
            since=receivable.created_at,
        )
        for receivable in receivables
    ]
