"""The citizen's parking-fine cases on the account page."""

from __future__ import annotations

from collections.abc import Sequence

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from server.auth.records import AccountRecord
from server.extensions import db
from server.fines.cases import shown_offence_text
from server.fines.models import CaseStatus, FineCase


def status_text(status: str) -> str:
    return {
        CaseStatus.OPEN.value: _("offen"),
        CaseStatus.STATEMENT_RECEIVED.value: _("Stellungnahme eingegangen"),
        CaseStatus.DRIVER_NAMED.value: _("Fahrer benannt"),
        CaseStatus.PAID.value: _("bezahlt, abgeschlossen"),
        CaseStatus.DISCONTINUED.value: _("eingestellt"),
        CaseStatus.CONTINUED.value: _("Bußgeldverfahren läuft"),
        CaseStatus.FORWARDED.value: _("an benannten Fahrer abgegeben"),
    }.get(status, status)


def describe_cases(case_ids: Sequence[int]) -> list[AccountRecord]:
    cases = db.session.scalars(select(FineCase).where(FineCase.id.in_(case_ids))).all()
    return [
        AccountRecord(
            section=_("Verwarnungen und Bußgelder"),
            title=_(
                "%(az)s: %(offence)s",
                az=case.aktenzeichen,
                offence=shown_offence_text(case.offence),
            ),
            status=status_text(case.status),
            url=url_for("fines.case", aktenzeichen=case.aktenzeichen),
            since=case.created_at,
        )
        for case in cases
        if case.aktenzeichen
    ]
