"""The day before a pickup, the citizen is reminded: the day, by when to put everything out,
where the order stands. One reminder per order and day, however often the job runs."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.db import utcnow
from server.extensions import db
from server.formatting import city_time
from server.forms.models import FormSubmission
from server.i18n import speaking
from server.logs import get_logger
from server.mail.models import OutboxMail
from server.mail.outbox import queue_mail
from server.sperrmuell import pickup
from server.urls import public_url

log = get_logger("portal.sperrmuell")
REMINDED = ("eingegangen", "eingeplant")  # paid and not ended: the pickup comes


def reminder_key(submission: FormSubmission) -> str:
    """Per order and day: an order whose day was changed is reminded of anew."""
    return f"sperrmuell-reminder:{submission.reference}:{pickup.pickup_day(submission)}"


def _remind(submission: FormSubmission, recipient: str) -> None:
    day = pickup.pickup_day(submission)
    assert day is not None
    with speaking(submission.language):
        body = "\n\n".join(
            [
                _("Guten Tag,"),
                _(
                    "morgen, %(day)s, holen wir Ihren Sperrmüll ab (Eingangsnummer %(reference)s).",
                    day=pickup.day_label(day),
                    reference=submission.reference,
                ),
                _(
                    "Bitte stellen Sie alles bis 6 Uhr an den Straßenrand, ohne Gehweg und "
                    "Einfahrten zu versperren."
                ),
                _(
                    "Den Stand sehen Sie hier: %(url)s",
                    url=public_url("forms_status.link", code=submission.status_code or "-"),
                ),
            ]
        )
        queue_mail(
            recipient=recipient,
            subject=_(
                "Erinnerung: Sperrmüll-Abholung %(reference)s morgen",
                reference=submission.reference,
            ),
            body=body + "\n",
            dedupe_key=reminder_key(submission),
        )


def send_reminders(now: datetime | None = None) -> int:
    """Queue the reminder of every pickup tomorrow (city time) that has none yet; each in its
    own transaction, the outbox's unique key deciding between parallel runs."""
    tomorrow = (city_time(now or utcnow()).date() + timedelta(days=1)).isoformat()
    queued = 0
    candidates = db.session.scalars(
        select(FormSubmission.id)
        .where(FormSubmission.service == pickup.SERVICE, FormSubmission.status.in_(REMINDED))
        .order_by(FormSubmission.id)
    ).all()
    for submission_id in candidates:
        try:
            with db.transaction() as session:
                submission = session.get(FormSubmission, submission_id, populate_existing=True)
                if submission is None or submission.status not in REMINDED:
                    continue
                if str(submission.answers.get(pickup.DAY_FIELD, "")) != tomorrow:
                    continue
                recipient = str(submission.answers.get("email", "")).strip()
                key = reminder_key(submission)
                if not recipient or session.scalar(
                    select(OutboxMail.id).where(OutboxMail.dedupe_key == key)
                ):
                    continue
                _remind(submission, recipient)
                session.flush()
        except IntegrityError:  # another run queued it meanwhile
            continue
        queued += 1
    log.info("pickup reminders queued", extra={"count": queued})
    return queued
