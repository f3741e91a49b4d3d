"""A bulky waste pickup: what is put out (pieces and volume, the fee above the free volume),
which district the address lies in, the pickup days still free there, and holding or giving
back a place on one (the appointments area's bookable days)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from babel.dates import format_date, format_datetime
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.appointments import day_slots
from server.db import utcnow
from server.extensions import db
from server.formatting import city_moment, city_time, city_today, german_date_time
from server.forms import submissions
from server.forms.engine import AWAITING_PAYMENT, Choice, RawAnswers, Refusal
from server.forms.models import FormSubmission
from server.forms.payment import refund_in_full, refund_withdrawn
from server.logs import get_logger
from server.sperrmuell.rules import ITEMS, District, rules

log = get_logger("portal.sperrmuell")
SERVICE = "sperrmuell"
DAY_FIELD = "abholtag"
# Still to come: the pickup can be cancelled (the engine's statuses before the pickup).
OPEN_STATUSES = (AWAITING_PAYMENT.value, "eingegangen", "eingeplant")
ITEMS_FIELD = "gegenstaende"


def count_field(item: str) -> str:
    return f"anzahl_{item}"


def _first(answers: Mapping[str, Sequence[str] | str], name: str) -> str:
    value = answers.get(name, ())
    if isinstance(value, str):
        return value.strip()
    return str(next(iter(value), "")).strip()


def pieces(answers: Mapping[str, Sequence[str] | str]) -> dict[str, int]:
    """The pieces of each item chosen (an item ticked without a count is one piece)."""
    chosen = answers.get(ITEMS_FIELD, ())
    ticked = [chosen] if isinstance(chosen, str) else list(chosen)
    found = {}
    for item in ITEMS:
        if item in ticked:
            count = _first(answers, count_field(item))
            found[item] = int(count) if count.isdigit() and int(count) > 0 else 1
    return found


def volume_tenths(answers: Mapping[str, Sequence[str] | str]) -> int:
    volumes = rules().volumes
    return sum(volumes[item] * count for item, count in pieces(answers).items())


def district_of(answers: Mapping[str, Sequence[str] | str]) -> District | None:
    return rules().district_of(_first(answers, "strasse"))


def day_label(day: date) -> str:
    """ "Dienstag, 8. Dezember 2026" in the reader's language."""
    return format_date(day, format="full", locale=get_locale() or "de")


def offered_days(answers: RawAnswers) -> tuple[Choice, ...]:
    """The district's pickup days that still have a place, in the citizen's words."""
    district = district_of(answers)
    if district is None:
        return ()
    days = rules().pickup_days(district, city_today())
    taken = day_slots.taken_on(district.calendar, days)
    return tuple(
        Choice(day.isoformat(), day_label(day))
        for day in days
        if taken.get(day, 0) < district.pickups_per_day
    )


def pickup_day(submission: FormSubmission) -> date | None:
    value = _first(submission.answers, DAY_FIELD)
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def holder(submission: FormSubmission) -> str:
    return f"sperrmuell:{submission.reference}"


def hold(session: Session, submission: FormSubmission) -> None:
    """``FormDefinition.on_receive``: the chosen day's place, in the submission's transaction.
    The last place taken by a parallel request meanwhile refuses the submission, with every
    answer kept, so the citizen picks another day."""
    district = district_of(submission.answers)
    day = pickup_day(submission)
    if district is None or day is None:
        raise Refusal(DAY_FIELD, _("Wählen Sie einen der angebotenen Abholtage."))
    if not day_slots.book(
        session, district.calendar, day, district.pickups_per_day, holder(submission)
    ):
        raise Refusal(
            DAY_FIELD,
            _(
                "Der %(day)s ist inzwischen ausgebucht. Bitte wählen Sie einen anderen Tag.",
                day=day_label(day),
            ),
        )


def _give_back(submission: FormSubmission) -> None:
    with db.transaction() as session:
        day = day_slots.release(session, holder(submission))
    if day is not None:
        log.info("pickup day given back", extra={"reference": submission.reference})


def refuse(submission: FormSubmission, details: Mapping[str, str], clerk: str) -> None:
    """Status hook of a refusal: the fee is refunded in full, then the day's place goes back
    (if the refund fails the status is undone and the order keeps its place)."""
    refund_in_full(submission, details, clerk)
    _give_back(submission)


def cancel(submission: FormSubmission, details: Mapping[str, str], actor: str) -> None:
    """Status hook of the cancellation: the same, the receivable closed as withdrawn."""
    refund_withdrawn(submission, details, actor)
    _give_back(submission)


def end_unpaid(now: datetime | None = None) -> dict[str, int]:
    """The job: an order still unpaid when it could no longer be cancelled (noon the day
    before) is cancelled by the city: its place goes back, its notice is closed (a payment
    arriving later goes to the cash office's clarification), the citizen is told by mail."""
    now = now or utcnow()
    waiting = db.session.scalars(
        select(FormSubmission)
        .where(
            FormSubmission.service == SERVICE,
            FormSubmission.status == AWAITING_PAYMENT.value,
        )
        .order_by(FormSubmission.id)
    ).all()
    ended = 0
    for submission in waiting:
        deadline = cancel_deadline(submission)
        if deadline is None or now < deadline:
            continue
        if submissions.withdraw(submission, actor="system"):
            ended += 1
    return {"cancelled": ended}


def cancel_deadline(submission: FormSubmission) -> datetime | None:
    """Until when the citizen may cancel: the city's time ``cancel_until`` the day before."""
    day = pickup_day(submission)
    if day is None:
        return None
    return city_moment(day - timedelta(days=1), rules().cancel_until)


def cancel_refused(submission: FormSubmission) -> str | None:
    deadline = cancel_deadline(submission)
    if deadline is None or utcnow() < deadline:
        return None
    return _(
        "Stornieren war bis %(deadline)s möglich. Bitte rufen Sie den Baubetriebshof an, wenn "
        "die Abholung nicht stattfinden soll.",
        deadline=moment_label(deadline),
    )


def highlights(submission: FormSubmission) -> list[tuple[str, str]]:
    """The status page names the day and, while it may, until when to cancel; a pickup that
    will not happen names neither."""
    day = pickup_day(submission)
    if day is None or submission.status not in (*OPEN_STATUSES, "abgeholt"):
        return []
    shown = [(_("Abholtag"), day_label(day))]
    deadline = cancel_deadline(submission)
    if deadline is not None and utcnow() < deadline and submission.status in OPEN_STATUSES:
        shown.append((_("Stornieren bis"), moment_label(deadline)))
    return shown


def moment_label(moment: datetime) -> str:
    """ "07.12.2026, 12:00 Uhr" in German, "12/7/26, 12:00 PM" in English: the city's time."""
    locale = get_locale() or "de"
    if str(locale).startswith("de"):
        return german_date_time(moment)
    return format_datetime(city_time(moment), format="short", locale=locale)


def days_ahead(today: date | None = None) -> list[tuple[District, list[tuple[date, int]]]]:
    """The depot's view: each district's offered pickup days from tomorrow on, with the
    places taken (the tours to plan)."""
    today = today or city_today()
    table = rules()
    found = []
    for district in table.districts:
        days = [
            day
            for day in table.pickup_days(
                district, today - timedelta(days=table.earliest_after_days)
            )
            if day > today
        ]
        taken = day_slots.taken_on(district.calendar, days)
        found.append((district, [(day, taken.get(day, 0)) for day in days]))
    return found


def pickups_tomorrow() -> int:
    """The work overview's count: places taken on tomorrow's tours."""
    tomorrow = city_today() + timedelta(days=1)
    return sum(
        day_slots.taken_on(district.calendar, [tomorrow]).get(tomorrow, 0)
        for district in rules().districts
    )
