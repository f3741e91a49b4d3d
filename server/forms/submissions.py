"""Receiving a submission exactly once, its status, and the back office's inbox.

``receive`` validates everything again (the browser is never trusted), and is idempotent on
the browser's ``submission_id``: a repeat, however often and however concurrent, returns the first
submission and creates nothing (the unique index decides the race; the loser's files are removed
from the storage again).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from werkzeug.datastructures import FileStorage

from server.audit import log as audit
from server.db import utcnow
from server.extensions import db
from server.formatting import city_time, city_today
from server.forms import drafts, notices
from server.forms import uploads as form_uploads
from server.forms.engine import (
    AWAITING_PAYMENT,
    AssessContext,
    CleanAnswers,
    FieldKind,
    FormDefinition,
    RawAnswers,
    Refusal,
    Status,
    Step,
    parse_date,
)
from server.forms.models import FormDraft, FormFacet, FormStatusEvent, FormSubmission, FormUpload
from server.forms.registry import DEFINITIONS, get_definition
from server.forms.validation import validate_all
from server.i18n import chosen_language
from server.logs import get_logger
from server.readable_codes import grouped_readable_code, new_readable_code, readable_codes_match

log = get_logger("forms")
SUBMISSION_ID_MAX = 64
STATUS_CODE_CHARACTERS = 19  # 16 of the code, 3 dashes


class Invalid(ValueError):
    """The answers do not pass; ``errors`` by field name, ``step`` the first step to fix."""

    def __init__(self, errors: dict[str, list[str]], step: Step | None) -> None:
        super().__init__("invalid answers")
        self.errors, self.step = errors, step


class WrongService(ValueError):
    """The submission_id is already used by a submission of another service."""


@dataclass(frozen=True)
class Received:
    submission: FormSubmission
    new: bool


def find_by_submission_id(submission_id: str) -> FormSubmission | None:
    return db.session.scalar(
        select(FormSubmission).where(FormSubmission.submission_id == submission_id)
    )


def open_with_code(reference: str, code: str) -> FormSubmission | None:
    """The submission with this reference if ``code`` is its Abrufcode; the number alone never
    opens it. The same work whether or not the reference exists."""
    found = find_by_reference(reference.strip().upper())
    expected = found.status_code if found is not None else None
    return found if readable_codes_match(expected, code) else None


def open_with_link(code: str) -> FormSubmission | None:
    """The submission whose Abrufcode the mail's link carries (80 bits: the code alone is the
    key, like the fine letter's QR link)."""
    grouped = grouped_readable_code(code)
    if len(grouped) != STATUS_CODE_CHARACTERS:
        return None
    return db.session.scalar(select(FormSubmission).where(FormSubmission.status_code == grouped))


def find_by_reference(reference: str, *, with_events: bool = False) -> FormSubmission | None:
    """``with_events``: its history read with it (the status page shows it), one query."""
    query = select(FormSubmission).where(FormSubmission.reference == reference.strip().upper())
    if not with_events:
        return db.session.scalar(query)
    joined = query.options(joinedload(FormSubmission.events))
    return db.session.execute(joined).unique().scalar_one_or_none()


def _facets(definition: FormDefinition, answers: CleanAnswers) -> list[FormFacet]:
    rows = []
    for spec in definition.all_fields():
        if not spec.facet or spec.name not in answers:
            continue
        value = answers[spec.name]
        for item in value if isinstance(value, list) else [value]:
            rows.append(FormFacet(name=spec.facet, value=str(item)[:200]))
    return rows


def _reference(definition: FormDefinition, submission: FormSubmission) -> str:
    year = city_time(submission.received_at).year
    return f"{definition.reference_prefix}-{year}-{submission.id:06d}"


def _existing(definition: FormDefinition, submission_id: str) -> Received | None:
    found = find_by_submission_id(submission_id)
    if found is None:
        return None
    if found.service != definition.slug:
        raise WrongService(submission_id)
    return Received(found, new=False)


def receive(
    definition: FormDefinition,
    *,
    submission_id: str,
    answers: RawAnswers,
    files: Mapping[str, Sequence[FileStorage]],
    draft: FormDraft | None,
    citizen_id: int | None,
    context: AssessContext | None = None,
    held: Sequence[FormUpload] | None = None,
) -> Received:
    """Validate all answers and files (new ones and those the draft holds: ``held`` if read
    with the draft already), then record the submission with its files, facets and first
    status; the draft goes. Raises ``Invalid``.

    A service with a fee records the submission as awaiting payment, with the fee and a
    receivable; the settlement of the receivable moves it on (``server.forms.payment``)."""
    from server.forms import payment

    repeated = _existing(definition, submission_id)
    if repeated is not None:
        return repeated
    held = drafts.draft_uploads(draft) if held is None else list(held)
    context = context or AssessContext()
    checked = form_uploads.check_files(
        definition, files, answers, held, definition.assessment(answers, context)
    )
    outcome = validate_all(definition, answers, checked.counts(_count(held)), context)
    errors = {**outcome.errors}
    for name, messages in checked.errors.items():
        errors[name] = [*messages, *errors.get(name, [])]
    if errors:
        first = next(
            (s for s in definition.steps_shown(answers) if any(f.name in errors for f in s.fields)),
            None,
        )
        raise Invalid(errors, first)
    assessment = outcome.assessment
    shown = {
        f.name
        for s in definition.steps_shown(answers, assessment)
        for f in s.fields_shown(answers, assessment)
    }
    fee = payment.fee_of(definition, outcome.answers)
    first_status = (
        AWAITING_PAYMENT if fee is not None and fee.total_cents > 0 else definition.statuses[0]
    )
    stored = form_uploads.store_all(checked.accepted)
    try:
        with db.transaction() as sql:
            submission = FormSubmission(
                submission_id=submission_id,
                service=definition.slug,
                role=definition.role.value,
                citizen_id=citizen_id,
                answers=outcome.answers,
                status=first_status.value,
                received_at=utcnow(),
                fee_lines=payment.lines_of(fee),
                fee_cents=fee.total_cents if fee is not None else None,
                status_code=new_readable_code(),
                language=chosen_language(),
            )
            sql.add(submission)
            sql.flush()
            submission.reference = _reference(definition, submission)
            _attach(sql, definition, submission, stored, [u for u in held if u.field in shown])
            if definition.on_receive is not None:
                definition.on_receive(sql, submission)
    except IntegrityError:
        form_uploads.forget_stored(stored)
        raced = _existing(definition, submission_id)
        if raced is None:
            raise
        return raced
    except Refusal as refusal:
        form_uploads.forget_stored(stored)
        step = next((s for s in definition.steps if refusal.field in _names(s)), None)
        raise Invalid({refusal.field: [refusal.message]}, step) from refusal
    if draft is not None:
        drafts.discard(draft)  # what is left are files of questions that no longer apply
    log.info(
        "form submission",
        extra={"service": definition.slug, "reference": submission.reference},
    )
    if submission.status == AWAITING_PAYMENT.value:
        payment.ensure_receivable(definition, submission)
    else:
        with db.transaction():
            notices.tell_received(definition, submission)
    return Received(submission, new=True)


def _attach(
    sql: Session,
    definition: FormDefinition,
    submission: FormSubmission,
    stored: Sequence[FormUpload],
    held: Sequence[FormUpload],
) -> None:
    """The new submission's facets, first event and files (new ones and the draft's)."""
    for facet in _facets(definition, submission.answers):
        facet.submission_id = submission.id
        sql.add(facet)
    sql.add(FormStatusEvent(submission_id=submission.id, status=submission.status, actor="citizen"))
    for row in stored:
        row.submission_id = submission.id
        sql.add(row)
    for upload in held:
        upload.submission_id = submission.id
        upload.draft_id = None


def _names(step: Step) -> set[str]:
    return {f.name for f in step.fields}


def _count(held: Sequence[object]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for upload in held:
        name = str(getattr(upload, "field", ""))
        counts[name] = counts.get(name, 0) + 1
    return counts


def submissions_of(citizen_id: int) -> list[FormSubmission]:
    """A logged-in citizen's submissions, newest first (for the account page)."""
    return list(
        db.session.scalars(
            select(FormSubmission)
            .where(FormSubmission.citizen_id == citizen_id)
            .order_by(FormSubmission.id.desc())
        )
    )


def status_of(submission: FormSubmission) -> Status:
    definition = get_definition(submission.service)
    return definition.status(submission.status) if definition else Status(submission.status, "")


# --- the back office ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxFilter:
    service: str
    status: str = ""
    facets: dict[str, str] = field(default_factory=dict)  # facet name → value
    date_from: dict[str, date] = field(default_factory=dict)  # facet name → first day
    date_to: dict[str, date] = field(default_factory=dict)  # facet name → last day


def _with_facet(
    query: Select[FormSubmission], name: str, **condition: object
) -> Select[FormSubmission]:
    matching = select(FormFacet.submission_id).where(FormFacet.name == name)
    if "equals" in condition:
        matching = matching.where(FormFacet.value == condition["equals"])
    if "at_least" in condition:
        matching = matching.where(FormFacet.value >= condition["at_least"])
    if "at_most" in condition:
        matching = matching.where(FormFacet.value <= condition["at_most"])
    return query.where(FormSubmission.id.in_(matching))


def inbox(criteria: InboxFilter) -> list[FormSubmission]:
    """Submissions of one service, oldest open first; dates are ISO strings in the facets, so
    they compare as text."""
    query = select(FormSubmission).where(
        FormSubmission.service == criteria.service,
        FormSubmission.status != AWAITING_PAYMENT.value,
    )
    if criteria.status:
        query = query.where(FormSubmission.status == criteria.status)
    for name, value in criteria.facets.items():
        if value:
            query = _with_facet(query, name, equals=value)
    for name, day in criteria.date_from.items():
        query = _with_facet(query, name, at_least=day.isoformat())
    for name, day in criteria.date_to.items():
        query = _with_facet(query, name, at_most=day.isoformat())
    return list(db.session.scalars(query.order_by(FormSubmission.id).limit(500)))


def count_open(role_services: Sequence[str]) -> int:
    """Submissions of these services in a status that is not final."""
    total = 0
    for slug in role_services:
        definition = DEFINITIONS[slug]
        open_states = [s.value for s in definition.statuses if not s.final]
        total += (
            db.session.scalar(
                select(func.count(FormSubmission.id)).where(
                    FormSubmission.service == slug, FormSubmission.status.in_(open_states)
                )
            )
            or 0
        )
    return total


def get_submission(submission_id: int) -> FormSubmission | None:
    return db.session.get(FormSubmission, submission_id)


class StatusError(ValueError):
    """A status change that cannot be made: ``errors`` by input name ("status" for the
    choice itself), each a translated message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("status change refused")
        self.errors = errors


def _status_inputs(
    submission: FormSubmission, status: Status, inputs: Mapping[str, str]
) -> dict[str, str]:
    """The clerk's inputs for ``status``, checked: all required, dates real and not before
    the submission nor in the future."""
    details: dict[str, str] = {}
    errors: dict[str, str] = {}
    received = city_time(submission.received_at).date()
    for spec in status.inputs:
        value = str(inputs.get(spec.name, "")).strip()
        if not value:
            errors[spec.name] = _("Geben Sie an: %(label)s", label=spec.label)
            continue
        if len(value) > spec.max_length:
            errors[spec.name] = _("Höchstens %(count)s Zeichen.", count=spec.max_length)
            continue
        if spec.kind == FieldKind.DATE:
            day = parse_date(value)
            if day is None:
                errors[spec.name] = _("Geben Sie ein Datum an, zum Beispiel 2026-08-01.")
                continue
            if day > city_today():
                errors[spec.name] = _("Das Datum darf nicht in der Zukunft liegen.")
                continue
            if spec.after_receipt and day < received:
                errors[spec.name] = _("Das Datum liegt vor dem Eingang des Antrags.")
                continue
            value = day.isoformat()
        details[spec.name] = value
    if errors:
        raise StatusError(errors)
    return details


def change_status(
    submission: FormSubmission,
    status: str,
    *,
    clerk: str,
    note: str = "",
    inputs: Mapping[str, str] | None = None,
) -> bool:
    """A clerk's decision; the citizen sees it as the submission's status and history.

    A status may need inputs (a posting date, a reason) and run a hook on entering it (a
    refund). Entering happens once, whatever the status: the row changes only if it still
    has the status the clerk saw, so a decision sent twice, even at the same moment, is one
    event and runs its hook once; the repeat changes nothing and returns False. A status marked
    ``final`` is never left again (``StatusError``). A hook that fails undoes the change and
    raises."""
    definition = get_definition(submission.service)
    if definition is None or status not in {s.value for s in definition.statuses}:
        raise StatusError({"status": _("Wählen Sie einen der angebotenen Status.")})
    if submission.status == AWAITING_PAYMENT.value:
        raise StatusError({"status": _("Der Antrag ist noch nicht bezahlt.")})
    target = definition.status(status)
    if submission.status == status:
        # Set already (by this clerk's other click or a colleague): nothing changes.
        return False
    if definition.status(submission.status).final:
        # A final status is final (it may have refunded the fee or told the citizen the
        # outcome): nothing changes it, and there is no undo. The update below is conditional
        # on the status seen, so a final status set meanwhile by a colleague holds as well.
        raise StatusError(
            {
                "status": _(
                    "Der Antrag ist abgeschlossen (%(status)s); sein Stand kann nicht mehr "
                    "geändert werden.",
                    status=definition.status(submission.status).label,
                )
            }
        )
    details = _status_inputs(submission, target, inputs or {})
    return _enter(
        definition,
        submission,
        target,
        actor=f"clerk:{clerk}",
        hook_actor=clerk,
        note=note,
        details=details,
    )


def withdraw(submission: FormSubmission, *, actor: str = "citizen") -> bool:
    """The citizen calls the submission off (``FormDefinition.withdrawal``): it enters the
    withdrawal's status, whose hook gives back what it held, once, as a clerk's decision
    does; a repeat (two clicks, two devices) changes nothing and returns False. Raises
    ``StatusError`` when the service has no withdrawal, when a final status was reached first
    or when the service refuses it now (a deadline passed). ``actor`` "system": the service's
    own job ends what was left unpaid (no deadline applies)."""
    definition = get_definition(submission.service)
    if definition is None or definition.withdrawal is None:
        raise StatusError({"status": _("Dieser Antrag kann nicht zurückgezogen werden.")})
    target = definition.status(definition.withdrawal.status)
    if submission.status == target.value:
        return False
    current = definition.status(submission.status)
    if current.final:
        raise StatusError(
            {"status": _("Ihr Antrag ist schon abgeschlossen (%(status)s).", status=current.label)}
        )
    refused = definition.withdrawal.refused(submission) if actor == "citizen" else None
    if refused:
        raise StatusError({"status": str(refused)})
    return _enter(
        definition, submission, target, actor=actor, hook_actor=actor, note="", details={}
    )


def _enter(
    definition: FormDefinition,
    submission: FormSubmission,
    target: Status,
    *,
    actor: str,
    hook_actor: str,
    note: str,
    details: dict[str, str],
) -> bool:
    """Move the submission from the status it was seen in to ``target``, once: the update is
    conditional on the status seen, so only one of several racing requests records the event
    and runs the hook."""
    status = target.value
    seen = submission.status
    with db.transaction() as sql:
        result = sql.execute(
            update(FormSubmission)
            .where(FormSubmission.id == submission.id, FormSubmission.status == seen)
            .values(status=status, status_changed_at=utcnow())
        )
        if not getattr(result, "rowcount", 0):
            sql.rollback()
            sql.refresh(submission)
            if submission.status == status:
                return False
            raise StatusError(
                {"status": _("Der Stand wurde inzwischen geändert. Bitte prüfen Sie erneut.")}
            )
        event = FormStatusEvent(
            submission_id=submission.id,
            status=status,
            actor=actor,
            note=note.strip()[:1000],
            details=details or None,
        )
        sql.add(event)
        audit.record(actor, "forms.status", "form_submission", submission.id, status)
        if target.on_enter is None:
            notices.tell_status(definition, submission, event)
    if target.on_enter is not None:
        # After the change is recorded, so that only the request that made it runs the hook;
        # in its own transaction, because a hook may call a peer that writes to the same
        # database (the sandbox platform refunding). If it fails, the change is undone.
        try:
            target.on_enter(submission, details, hook_actor)
        except Exception:
            _undo(submission, event, seen, actor)
            raise
        # Told only once the hook has held: a refund that failed is no news to send.
        with db.transaction():
            notices.tell_status(definition, submission, event)
    db.session.refresh(submission)
    log.info(
        "form status",
        extra={"reference": submission.reference, "status": status, "actor": actor},
    )
    return True


def _undo(submission: FormSubmission, event: FormStatusEvent, previous: str, actor: str) -> None:
    db.session.rollback()
    with db.transaction() as sql:
        sql.execute(
            update(FormSubmission)
            .where(FormSubmission.id == submission.id, FormSubmission.status == event.status)
            .values(status=previous, status_changed_at=utcnow())
        )
        sql.delete(sql.merge(event))
        audit.record(actor, "forms.status.undone", "form_submission", submission.id, previous)
    log.warning("form status undone", extra={"reference": submission.reference})


def delete_submission(submission: FormSubmission) -> None:
    """Remove a submission with its files (retention, withdrawal)."""
    for upload in list(submission.uploads):
        form_uploads.remove_upload(upload)
    with db.transaction() as sql:
        sql.delete(submission)
