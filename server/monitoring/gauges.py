"""What ``/metrics`` reports about the portal's queues, counted at scrape time.

Each gauge is one cheap aggregate query (a COUNT grouped by an indexed or small column), run by
the process that answers the scrape, so the numbers are the database's, never a worker's memory.
Every known state is reported, with 0 where none is, so that an alert sees a series from the start.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from server.db import as_utc, utcnow
from server.extensions import db
from server.jobs.catalogue import all_jobs
from server.jobs.models import Outcome
from server.jobs.runs import last_success, outcomes_since
from server.mail.failures import backlog_counts
from server.payments.journal import ReceivableStatus, balance_columns
from server.payments.models import (
    Booking,
    Clarification,
    ClarificationState,
    OnlinePayment,
    PaymentState,
    Receivable,
)


def _by_state(
    name: str, documentation: str, states: Iterable[str], counts: dict[str, int]
) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=["state"])
    for state in states:
        family.add_metric([state], counts.get(state, 0))
    return family


def outbox_backlog(session: Session) -> dict[str, int]:
    """Mails not sent: ``waiting`` (to be tried again) and ``failed`` (given up)."""
    return backlog_counts(session)


def clarification_queue(session: Session) -> int:
    """Bank entries no clerk has decided yet (the cash office's queue)."""
    count = session.scalar(
        select(func.count())
        .select_from(Clarification)
        .where(Clarification.state == ClarificationState.OPEN.value)
    )
    return int(count or 0)


def online_payments(session: Session) -> dict[str, int]:
    rows = session.execute(select(OnlinePayment.state, func.count()).group_by(OnlinePayment.state))
    return {str(state): int(count) for state, count in rows}


def receivables(session: Session) -> dict[str, int]:
    """Receivables by the status their journal gives them (``payments.journal.Balance``),
    computed by the database from the sums of their bookings."""
    paid, written_off, cancelled = balance_columns()
    sums = (
        select(
            Receivable.id,
            Receivable.amount_cents.label("expected"),
            Receivable.closed_at.label("closed_at"),
            paid.label("paid"),
            (paid + written_off + cancelled).label("settled"),
        )
        .outerjoin(Booking, Booking.receivable_id == Receivable.id)
        .group_by(Receivable.id, Receivable.amount_cents, Receivable.closed_at)
        .subquery()
    )
    # The same order of questions as Balance.status.
    status = case(
        (sums.c.expected - sums.c.settled < 0, ReceivableStatus.OVERPAID.value),
        (sums.c.closed_at.is_not(None), ReceivableStatus.CLOSED.value),
        (sums.c.expected - sums.c.settled == 0, ReceivableStatus.PAID.value),
        (sums.c.paid > 0, ReceivableStatus.PARTIAL.value),
        else_=ReceivableStatus.OPEN.value,
    )
    rows = session.execute(select(status, func.count()).group_by(status))
    return {str(name): int(count) for name, count in rows}


#: The window of ``portal_job_runs``: runs started in the last day.
JOB_RUNS_WINDOW = timedelta(days=1)


def job_gauges() -> Iterator[GaugeMetricFamily]:
    """Runs of the scheduled jobs, from their record (``job_runs``): the database's numbers, so
    a worker process's runs count wherever ``/metrics`` is scraped."""
    names = [job.name for job in all_jobs()]
    counted = outcomes_since(utcnow() - JOB_RUNS_WINDOW)
    runs = GaugeMetricFamily(
        "portal_job_runs",
        "Runs of each scheduled job started in the last 24 hours, by outcome "
        "(running, succeeded, failed, abandoned).",
        labels=["job", "outcome"],
    )
    for name in names:
        for outcome in Outcome:
            runs.add_metric([name, outcome.value], counted.get((name, outcome.value), 0))
    yield runs
    succeeded = last_success()
    last = GaugeMetricFamily(
        "portal_job_last_success_timestamp_seconds",
        "When each scheduled job last ended successfully (Unix time; 0: never).",
        labels=["job"],
    )
    for name in names:
        moment = succeeded.get(name)
        last.add_metric([name], as_utc(moment).timestamp() if moment else 0.0)
    yield last


class QueueGauges(Collector):
    """Collected on every scrape, from the database of the app answering it."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        session = db.session
        yield _by_state(
            "portal_outbox_mails",
            "Mails in the outbox not sent yet: waiting (retried) or failed (given up).",
            ("waiting", "failed"),
            outbox_backlog(session),
        )
        yield GaugeMetricFamily(
            "portal_clarifications_open",
            "Bank entries waiting for a clerk of the cash office (clarification queue).",
            value=clarification_queue(session),
        )
        yield _by_state(
            "portal_receivables",
            "Receivables by their status in the journal.",
            (status.value for status in ReceivableStatus),
            receivables(session),
        )
        yield _by_state(
            "portal_online_payments",
            "Online payments by state.",
            (state.value for state in PaymentState),
            online_payments(session),
        )
        yield from job_gauges()
