"""The citizen's applications (Anträge) on the account page."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from server.auth.records import AccountRecord
from server.forms.outcome import payable
from server.forms.registry import get_definition
from server.forms.submissions import status_of, submissions_of


def submissions_for_account(citizen_id: int) -> list[AccountRecord]:
    records = []
    for submission in submissions_of(citizen_id):
        definition = get_definition(submission.service)
        if definition is None or not submission.reference:
            continue
        url = url_for("forms.received", service=submission.service, reference=submission.reference)
        records.append(
            AccountRecord(
                section=_("Anträge"),
                title=_(
                    "%(title)s, Eingangsnummer %(reference)s",
                    title=definition.title,
                    reference=submission.reference,
                ),
                status=str(status_of(submission).label),
                url=url,
                since=submission.received_at,
                action=(_("Jetzt bezahlen"), f"{url}#bezahlen") if payable(submission) else None,
            )
        )
    return records
