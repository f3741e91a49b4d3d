"""The back office of the forms: status changes, and rejecting a paid certificate order."""

from __future__ import annotations

from sqlalchemy import select

from server.auth.roles import Role
from server.forms.models import FormStatusEvent, FormSubmission
from server.payments.models import Receivable, Refund
from tests.checking_client import checking_client
from tests.integration.concurrency.citizens import make_citizen, pay_at_platform
from tests.integration.concurrency.harness import (
    Browser,
    Portal,
    Reply,
    assert_race,
    form_fields,
    race,
)
from tests.integration.concurrency.test_forms import kita_submission


def post_decision(browsers: list[Browser], page: str, data: dict[str, str]) -> list[Reply]:
    fields: dict[int, dict[str, str]] = {}

    def prepare(browser: Browser, index: int) -> None:
        fields[index] = form_fields(browser.page(page).text, with_field="status")

    return race(
        browsers,
        lambda browser, index: browser.post(page, data={**fields[index], **data}),
        prepare=prepare,
    )


def events(portal: Portal, submission_id: int, status: str) -> int:
    return portal.count(
        select(FormStatusEvent).where(
            FormStatusEvent.submission_id == submission_id, FormStatusEvent.status == status
        )
    )


def paid_order(portal: Portal) -> tuple[int, int]:
    """A certificate order, paid online; returns its id and its receivable."""
    from tests.integration.certificates.test_certificates import submit, walk

    portal.app.extensions["sandbox_notifier"].synchronous = True
    citizen_id = make_citizen(portal, eid=True)
    client = checking_client(portal.app)
    with client.session_transaction() as session:
        session["citizen_id"] = citizen_id
        session["trust_level"] = "high"
    walk(client)
    started = submit(client)
    assert started.status_code == 303
    client.get(pay_at_platform(started.location).removeprefix(portal.url))
    with portal.db() as session:
        order = session.scalars(
            select(FormSubmission).where(FormSubmission.citizen_id == citizen_id)
        ).one()
        assert order.status == "eingegangen"
        receivable_id = session.scalar(
            select(Receivable.id).where(Receivable.kassenzeichen == order.kassenzeichen)
        )
        assert receivable_id is not None
        return order.id, receivable_id


def test_status_change(portal: Portal) -> None:
    """N clerks set the same status at once: one status event; the others are told it is set.
    N clerks reject a paid certificate order at once: one rejection, one refund, one closed
    receivable."""
    submission_id, _ = kita_submission(portal)
    replies = post_decision(
        portal.clerks("jugendamt-race", [Role.YOUTH_OFFICE]),
        f"/verwaltung/antraege/kita-anmeldung/{submission_id}",
        {"status": "angebot", "note": "Platz in der Kita Regenbogen"},
    )
    assert_race(
        replies,
        effects=events(portal, submission_id, "angebot"),
        what="status changes",
        winner=lambda reply: reply.status == 200 and "Platzangebot gemacht" in reply.text,
    )

    order_id, receivable_id = paid_order(portal)
    rejected = post_decision(
        portal.clerks("standesamt-race", [Role.REGISTRY_OFFICE]),
        f"/verwaltung/antraege/urkunden/{order_id}",
        {"status": "abgelehnt", "abgelehnt-grund": "Kein Eintrag im Geburtenregister."},
    )
    refunds = portal.count(select(Refund).where(Refund.receivable_id == receivable_id))
    with portal.db() as session:
        receivable = session.get(Receivable, receivable_id)
        assert receivable is not None
        closed = receivable.closed_at is not None
    assert_race(
        rejected,
        effects=events(portal, order_id, "abgelehnt"),
        what="rejections of a paid order",
        winner=lambda reply: reply.status == 200 and "Abgelehnt" in reply.text,
    )
    assert refunds == 1, f"{refunds} refunds for one rejection"
    assert closed, "the receivable of the rejected order is still open"
