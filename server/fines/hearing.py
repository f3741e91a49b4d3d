"""The online hearing (Anhörung): admitting, contesting or naming the driver, and the fine
authority's decisions on it. Every step is in the case's history, which the citizen sees as a
status."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.exc import IntegrityError

from server.audit import log as audit
from server.db import utcnow
from server.extensions import db
from server.fines.cases import add_case, is_late, receivable_of, record
from server.fines.models import (
    CaseKind,
    CaseStatus,
    FineCase,
    HearingStatement,
    StatementKind,
    Upload,
)
from server.fines.notices import tell_decision
from server.fines.shown import ShownCase, ShownStatement
from server.fines.uploads import pending_uploads, remove_case_files
from server.i18n import chosen_language
from server.logs import get_logger
from server.payments.closing import ClosingReason, close_in, finish

log = get_logger("fines")


class HearingError(ValueError):
    """A step that does not fit the case's state."""


@dataclass(frozen=True)
class Person:
    name: str
    street: str
    postcode_city: str
    birth_date: date | None


def submit_statement(
    case: FineCase,
    *,
    submission_id: str,
    kind: StatementKind,
    text: str,
    person: Person,
    driver: Person | None,
    email: str | None,
) -> tuple[HearingStatement, bool]:
    """Record the statement with the files uploaded for it; the same submission twice is one.
    Returns the statement and whether it is new."""
    existing = db.session.scalar(
        select(HearingStatement).where(HearingStatement.submission_id == submission_id)
    )
    if existing is not None:
        return existing, False
    if CaseStatus(case.status).final:
        raise HearingError("the case is decided")
    if kind == StatementKind.NOMINATE and driver is None:
        raise HearingError("naming the driver needs the driver's details")
    try:
        with db.transaction() as session:
            statement = HearingStatement(
                case_id=case.id,
                submission_id=submission_id,
                kind=kind.value,
                text=text.strip(),
                person_name=person.name,
                person_street=person.street,
                person_postcode_city=person.postcode_city,
                person_birth_date=person.birth_date,
                driver_name=driver.name if driver else None,
                driver_street=driver.street if driver else None,
                driver_postcode_city=driver.postcode_city if driver else None,
                driver_birth_date=driver.birth_date if driver else None,
                email=email or None,
                language=chosen_language(),
                late=is_late(case),
            )
            session.add(statement)
            session.flush()
            for upload in pending_uploads(case):
                upload.statement_id = statement.id
            new_status = (
                CaseStatus.DRIVER_NAMED
                if kind == StatementKind.NOMINATE
                else CaseStatus.STATEMENT_RECEIVED
            )
            # Only an undecided case takes the statement: a decision made meanwhile (closing
            # it, or on to a Bußgeldbescheid) is not undone by it.
            moved = session.execute(
                update(FineCase)
                .where(
                    FineCase.id == case.id,
                    FineCase.status.not_in([s.value for s in CaseStatus if s.final]),
                )
                .values(status=new_status.value)
                .execution_options(synchronize_session=False)
            )
            if not getattr(moved, "rowcount", 0):
                raise HearingError("the case is decided")
            record(case, "statement", f"{kind.value}{' (verspätet)' if statement.late else ''}")
    except IntegrityError:
        db.session.rollback()
        found = db.session.scalar(
            select(HearingStatement).where(HearingStatement.submission_id == submission_id)
        )
        if found is None:
            raise
        return found, False
    db.session.refresh(case)
    log.info(
        "hearing statement",
        extra={"aktenzeichen": case.aktenzeichen, "kind": kind.value, "late": statement.late},
    )
    return statement, True


def statements_of(case: FineCase) -> list[HearingStatement]:
    return list(
        db.session.scalars(
            select(HearingStatement)
            .where(HearingStatement.case_id == case.id)
            .order_by(HearingStatement.id)
        )
    )


def statement_by_submission(case: FineCase, submission_id: str) -> HearingStatement | None:
    """The case's statement sent as ``submission_id``, if it arrived already."""
    return db.session.scalar(
        select(HearingStatement).where(
            HearingStatement.case_id == case.id,
            HearingStatement.submission_id == submission_id,
        )
    )


@functools.cache
def _latest_statement() -> Select[HearingStatement]:
    """Built once per process: every case page asks (issue 17)."""
    return (
        select(HearingStatement)
        .where(HearingStatement.case_id == bindparam("case_id"))
        .order_by(HearingStatement.id.desc())
        .limit(1)
    )


def latest_statement(case: FineCase) -> HearingStatement | None:
    """The statement the case stands on now: the last one received."""
    return db.session.scalar(_latest_statement(), {"case_id": case.id})


def payment_offered_after(statement: HearingStatement | ShownStatement | None) -> bool:
    """Whether the Verwarnungsgeld is still offered for payment after this statement.

    Admitting: yes, paying is what follows. Contesting: yes, the person concerned may still
    accept the warning, which takes effect when they agree and pay (§ 56 Abs. 2 OWiG), and a
    paid warning ends the matter (§ 56 Abs. 4 OWiG): the case page says that the statement is
    then not examined any more. Naming another driver: no. The Verwarnung needs the consent of
    the person concerned; whoever states that someone else drove cannot give it without
    contradicting their own statement, and a payment would close the case before the fines
    office has examined the nomination. (A transfer that arrives anyway still settles the case,
    ``cases._close_paid_case``.)"""
    return statement is None or statement.kind != StatementKind.NOMINATE.value


def receipt_reference(
    statement: HearingStatement | ShownStatement, case: FineCase | ShownCase
) -> str:
    return f"EB-{case.aktenzeichen}-{statement.id}"


# --- the fine authority's side ---------------------------------------------------------------

QUEUE_STATES = (CaseStatus.STATEMENT_RECEIVED.value, CaseStatus.DRIVER_NAMED.value)


def queue() -> list[FineCase]:
    """Cases waiting for a clerk: new statements and nominations, oldest first."""
    return list(
        db.session.scalars(
            select(FineCase).where(FineCase.status.in_(QUEUE_STATES)).order_by(FineCase.id)
        )
    )


def count_waiting() -> int:
    return len(queue())


class Decision:
    DISCONTINUE = "discontinue"  # Einstellung
    CONTINUE = "continue"  # weiter zum Bußgeldbescheid
    FORWARD = "forward"  # Verfahren gegen die benannte Person


class AlreadyDecided(HearingError):
    """Another request decided the case first (a second click, a second clerk)."""


DECISION_STATES = {
    Decision.DISCONTINUE: CaseStatus.DISCONTINUED,
    Decision.CONTINUE: CaseStatus.CONTINUED,
    Decision.FORWARD: CaseStatus.FORWARDED,
}
# What each decision does to the Verwarnungsgeld: it is no longer owed by this person (the
# Bußgeldbescheid that follows "continue" is a claim of its own).
DECISION_CLOSINGS = {
    Decision.DISCONTINUE: ClosingReason.DISCONTINUED,
    Decision.CONTINUE: ClosingReason.REPLACED,
    Decision.FORWARD: ClosingReason.FORWARDED,
}


def _nomination(case: FineCase) -> HearingStatement:
    nomination = next(
        (s for s in reversed(statements_of(case)) if s.kind == StatementKind.NOMINATE.value),
        None,
    )
    if nomination is None or not nomination.driver_name:
        raise HearingError(_("In diesem Fall wurde keine fahrende Person benannt."))
    return nomination


def decide(case: FineCase, decision: str, *, clerk: str, note: str = "") -> FineCase | None:
    """Apply a clerk's decision, with what it means for the money, in one transaction;
    forwarding returns the new case against the named driver.

    The decision is claimed by a conditional update of the status the clerk saw, which is never
    a final one (``CaseStatus.final``): of two clicks, two tabs or two clerks, one decides and the
    others get ``AlreadyDecided``; a decided case is never decided again."""
    if decision not in DECISION_STATES:
        raise HearingError(_("Unbekannte Entscheidung."))
    seen = case.status
    target = DECISION_STATES[decision]
    if CaseStatus(seen).final or CaseStatus(seen) == target:
        # A decision is final: the page offers none any more, and a stale tab is refused here.
        raise AlreadyDecided(
            _("Dieser Fall ist bereits entschieden; die Entscheidung kann nicht geändert werden.")
        )
    nomination = _nomination(case) if decision == Decision.FORWARD else None
    new_case = None
    closure = None
    try:
        with db.transaction() as session:
            claimed = session.execute(
                update(FineCase)
                .where(FineCase.id == case.id, FineCase.status == seen)
                .values(status=target.value, closed_at=utcnow() if target.closed else None)
                .execution_options(synchronize_session=False)
            )
            if not getattr(claimed, "rowcount", 0):
                raise AlreadyDecided(_("Dieser Fall wurde inzwischen entschieden."))
            if nomination is not None:
                new_case = add_case(
                    session,
                    offence=case.offence,
                    kind=CaseKind.HEARING,
                    offence_at=case.offence_at,
                    place=case.place,
                    plate=case.plate,
                    holder_name=nomination.driver_name or "",
                    holder_street=nomination.driver_street or "",
                    holder_postcode_city=nomination.driver_postcode_city or "",
                    actor=clerk,
                    forwarded_from=case,
                )
            receivable = receivable_of(case)
            if receivable is not None:
                closure = close_in(
                    session,
                    receivable,
                    reason=DECISION_CLOSINGS[decision],
                    actor=clerk,
                    note=f"{case.aktenzeichen} {note.strip()}".strip(),
                )
            detail = note.strip()
            if new_case is not None:
                detail = f"{new_case.aktenzeichen} {detail}".strip()
            record(case, f"decision:{decision}", detail, clerk)
            tell_decision(case, decision)
            audit.record(
                f"clerk:{clerk}", f"fines.decision.{decision}", "fine_case", case.id, detail
            )
    finally:
        db.session.refresh(case)
    finish(closure)
    log.info(
        "fine decision",
        extra={"aktenzeichen": case.aktenzeichen, "decision": decision, "clerk": clerk},
    )
    return new_case


def delete_case(case: FineCase) -> None:
    """Remove a case with everything attached, files included (retention)."""
    remove_case_files(case)
    with db.transaction() as session:
        session.delete(case)


def uploads_of_case(case: FineCase) -> list[Upload]:
    return list(
        db.session.scalars(select(Upload).where(Upload.case_id == case.id).order_by(Upload.id))
    )
