"""The public list of reported defects: what was reported where, when, how far it is, and the
Baubetriebshof's public answer. Nothing about the reporter is read here: no name, no e-mail
address, no description (free text may name people), no photos."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select

from server.db import utcnow
from server.extensions import db
from server.forms.models import FormFacet, FormStatusEvent, FormSubmission
from server.maengel.definition import ANSWER, CATEGORIES, CATEGORY, DEFINITION, PLACE, SLUG

RECEIVED = DEFINITION.statuses[0].value  # new, not seen by the depot yet


@dataclass(frozen=True)
class PublicReport:
    reference: str
    category: str  # the category's label
    place: str
    received_at: datetime
    status: str  # the status's label
    done: bool  # in a final status
    answer: str  # the Baubetriebshof's latest public answer, if any


def category_label(value: str) -> str:
    return next((str(choice.label) for choice in CATEGORIES if choice.value == value), "")


def public_reports(category: str = "") -> list[PublicReport]:
    """Open reports, newest first, then those finished within ``MAENGEL_DONE_SHOWN_DAYS``;
    at most ``MAENGEL_PUBLIC_LIST_LIMIT``. ``category``: only that category's. A report the
    Baubetriebshof has not looked at yet is not listed: its place is the reporter's free text,
    which goes public only with the depot's first answer (a clerk read it then)."""
    final = [status.value for status in DEFINITION.statuses if status.final]
    since = utcnow() - timedelta(days=int(current_app.config["MAENGEL_DONE_SHOWN_DAYS"]))
    query = select(FormSubmission).where(
        FormSubmission.service == SLUG,
        FormSubmission.reference.is_not(None),
        FormSubmission.status != RECEIVED,
        or_(FormSubmission.status.not_in(final), FormSubmission.status_changed_at >= since),
    )
    if category:
        query = query.where(
            FormSubmission.id.in_(
                select(FormFacet.submission_id).where(
                    FormFacet.name == CATEGORY, FormFacet.value == category
                )
            )
        )
    query = query.order_by(
        FormSubmission.status.in_(final), FormSubmission.received_at.desc()
    ).limit(int(current_app.config["MAENGEL_PUBLIC_LIST_LIMIT"]))
    submissions = list(db.session.scalars(query))
    answers = _latest_answers([submission.id for submission in submissions])
    return [
        PublicReport(
            reference=str(submission.reference),
            category=category_label(str(submission.answers.get(CATEGORY, ""))),
            place=str(submission.answers.get(PLACE, "")),
            received_at=submission.received_at,
            status=str(DEFINITION.status(submission.status).label),
            done=submission.status in final,
            answer=answers.get(submission.id, ""),
        )
        for submission in submissions
    ]


def _latest_answers(submission_ids: Sequence[int]) -> dict[int, str]:
    """Each submission's last public answer, in one query."""
    if not submission_ids:
        return {}
    events = db.session.execute(
        select(FormStatusEvent.submission_id, FormStatusEvent.details)
        .where(FormStatusEvent.submission_id.in_(submission_ids))
        .order_by(FormStatusEvent.id)
    )
    latest: dict[int, str] = {}
    for submission_id, details in events:
        if details and details.get(ANSWER):
            latest[submission_id] = str(details[ANSWER])
    return latest
