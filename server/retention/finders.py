"""Which records are due: one query per kind, given the moment before which a record's last
event must lie (``policy``). The run reads the ids from these queries, and each deletion asks
the same query again about its one record under a lock, so what changed in between is kept.

Money first: nothing goes while money is open. A receivable is settled when nothing is owed
or overpaid (its amount equals the sum of its bookings, or the city closed it with nothing
paid too much), no clarification naming it is undecided, no refund of it waits, and no online
payment of it is still under way. A fine case, a submission with a fee and the journal itself
are kept while their receivable is not settled.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, not_, or_, select

from server.appointments.models import Appointment, AppointmentStatus
from server.appointments.retention import PURGED_NAME
from server.audit.models import AuditEntry
from server.certificates.order import SLUG as CERTIFICATE_SLUG
from server.fines.models import CaseEvent, CaseStatus, FineCase, HearingStatement
from server.forms.models import FormSubmission
from server.forms.registry import DEFINITIONS
from server.payments.models import (
    Booking,
    Clarification,
    ClarificationState,
    OnlinePayment,
    PaymentState,
    Receivable,
    Refund,
    RefundState,
)
from server.retention.policy import AppointmentCutoffs, Kind

# The retention job's own entries (counts only) are the record of what it deleted.
OWN_AUDIT_ACTIONS = "retention.%"

UNFINISHED_PAYMENTS = (PaymentState.CREATED.value, PaymentState.PENDING.value)
CLOSED_CASES = tuple(status.value for status in CaseStatus if status.closed)


def settled() -> ColumnElement[bool]:
    """The receivable of the enclosing query has nothing open (see the module's text)."""
    booked = (
        select(func.coalesce(func.sum(Booking.amount_cents), 0))
        .where(Booking.receivable_id == Receivable.id)
        .scalar_subquery()
    )
    open_cents = Receivable.amount_cents - booked
    return and_(
        or_(open_cents == 0, and_(Receivable.closed_at.is_not(None), open_cents > 0)),
        ~exists().where(
            Clarification.state == ClarificationState.OPEN.value,
            or_(
                Clarification.receivable_id == Receivable.id,
                Clarification.suggested_receivable_id == Receivable.id,
            ),
        ),
        ~exists().where(
            Refund.receivable_id == Receivable.id, Refund.state == RefundState.REQUESTED.value
        ),
        ~exists().where(
            OnlinePayment.receivable_id == Receivable.id,
            OnlinePayment.state.in_(UNFINISHED_PAYMENTS),
        ),
    )


def _decided_before(cutoff: datetime) -> ColumnElement[bool]:
    """The fine case of the enclosing query was decided before ``cutoff``: closed (paid,
    discontinued, forwarded) then, or sent on to a Bußgeldbescheid then (that decision leaves
    ``closed_at`` empty: the proceedings go on outside the portal)."""
    continued_at = (
        select(func.max(CaseEvent.at))
        .where(CaseEvent.case_id == FineCase.id, CaseEvent.kind.like("decision:%"))
        .scalar_subquery()
    )
    return or_(
        and_(FineCase.status.in_(CLOSED_CASES), FineCase.closed_at < cutoff),
        and_(FineCase.status == CaseStatus.CONTINUED.value, continued_at < cutoff),
    )


def hearing_statements(cutoff: datetime) -> Select[int]:
    return select(HearingStatement.id).where(
        exists().where(FineCase.id == HearingStatement.case_id, _decided_before(cutoff))
    )


def fine_cases(cutoff: datetime) -> Select[int]:
    return select(FineCase.id).where(
        _decided_before(cutoff),
        or_(
            FineCase.receivable_id.is_(None),
            exists().where(Receivable.id == FineCase.receivable_id, settled()),
        ),
    )


def _final_statuses(certificates: bool) -> ColumnElement[bool]:
    """Submissions in a final status of their service (as its definition says). A service no
    longer registered has no final status here: its submissions wait until it is back."""
    pairs = [
        and_(
            FormSubmission.service == slug,
            FormSubmission.status.in_([s.value for s in definition.statuses if s.final]),
        )
        for slug, definition in sorted(DEFINITIONS.items())
        if (slug == CERTIFICATE_SLUG) == certificates and any(s.final for s in definition.statuses)
    ]
    return or_(*pairs) if pairs else false()


def _submissions(cutoff: datetime, *, certificates: bool) -> Select[int]:
    return select(FormSubmission.id).where(
        _final_statuses(certificates),
        FormSubmission.status_changed_at < cutoff,
        or_(
            FormSubmission.kassenzeichen.is_(None),
            ~exists().where(
                Receivable.kassenzeichen == FormSubmission.kassenzeichen, not_(settled())
            ),
        ),
    )


def certificate_orders(cutoff: datetime) -> Select[int]:
    return _submissions(cutoff, certificates=True)


def form_submissions(cutoff: datetime) -> Select[int]:
    return _submissions(cutoff, certificates=False)


def journal(cutoff: datetime) -> Select[int]:
    """Settled receivables with nothing of theirs on or after ``cutoff`` (creation, closing,
    bookings, refunds, clarifications, online payments), which no fine case or submission still
    names (those go first, by their own, shorter periods)."""
    return select(Receivable.id).where(
        settled(),
        Receivable.created_at < cutoff,
        or_(Receivable.closed_at.is_(None), Receivable.closed_at < cutoff),
        ~exists().where(Booking.receivable_id == Receivable.id, Booking.booked_at >= cutoff),
        ~exists().where(Refund.receivable_id == Receivable.id, Refund.created_at >= cutoff),
        ~exists().where(
            Clarification.receivable_id == Receivable.id,
            or_(Clarification.created_at >= cutoff, Clarification.resolved_at >= cutoff),
        ),
        ~exists().where(
            OnlinePayment.receivable_id == Receivable.id, OnlinePayment.updated_at >= cutoff
        ),
        ~exists().where(FineCase.receivable_id == Receivable.id),
        ~exists().where(FormSubmission.kassenzeichen == Receivable.kassenzeichen),
    )


def audit_entries(cutoff: datetime) -> Select[int]:
    return select(AuditEntry.id).where(
        AuditEntry.at < cutoff, not_(AuditEntry.action.like(OWN_AUDIT_ACTIONS))
    )


FINDERS = {
    Kind.HEARING_STATEMENTS: hearing_statements,
    Kind.FINE_CASES: fine_cases,
    Kind.CERTIFICATE_ORDERS: certificate_orders,
    Kind.FORM_SUBMISSIONS: form_submissions,
    Kind.JOURNAL: journal,
    Kind.AUDIT_ENTRIES: audit_entries,
}


def appointments(cutoffs: AppointmentCutoffs) -> Select[int]:
    """What ``server.appointments.retention.purge`` changes (read only, for the report): past
    appointments still named, holds never confirmed. The purge itself does the work."""
    return select(Appointment.id).where(
        or_(
            and_(
                Appointment.starts_at < cutoffs.nameless,
                Appointment.status != AppointmentStatus.HELD.value,
                Appointment.email != PURGED_NAME,
            ),
            and_(
                Appointment.status == AppointmentStatus.EXPIRED.value,
                Appointment.created_at < cutoffs.unconfirmed,
            ),
        )
    )
