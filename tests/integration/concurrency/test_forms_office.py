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


def dog_deregistration(portal: Portal) -> tuple[int, int]:
    """A dog registered with a mandate, approved, and its deregistration sent; returns the
    deregistration's id and the registration's receivable."""
    from datetime import timedelta

    from server.formatting import city_today
    from server.forms.submissions import change_status
    from server.hundesteuer.models import DogTaxYear
    from tests.integration.hundesteuer.test_abmeldung import deregister
    from tests.integration.hundesteuer.test_hundesteuer import register

    citizen_id = make_citizen(portal)
    client = checking_client(portal.app)
    with client.session_transaction() as session:
        session["citizen_id"] = citizen_id
        session["trust_level"] = "low"
    today = city_today()
    sent = register(client, seit=(today - timedelta(days=40)).isoformat())
    assert sent.status_code == 200, sent.get_data(as_text=True)[:400]
    with portal.db() as session:
        registration = session.scalars(
            select(FormSubmission).where(FormSubmission.reference == sent.get_json()["reference"])
        ).one()
    with portal.app.app_context():
        from server.extensions import db

        found = db.session.get(FormSubmission, registration.id)
        assert found is not None
        change_status(found, "angemeldet", clerk="race", inputs={"steuermarke": "R-4711"})
        receivable_id = db.session.scalar(
            select(DogTaxYear.receivable_id).where(DogTaxYear.submission_id == found.id)
        )
        assert receivable_id is not None
    left = today.replace(day=1) - timedelta(days=1)  # before the first month taxed: owes nothing
    off = deregister(client, anmeldung="R-4711", bis=left.isoformat())
    assert off.status_code == 200, off.get_json()
    with portal.db() as session:
        submission_id = session.scalar(
            select(FormSubmission.id).where(FormSubmission.reference == off.get_json()["reference"])
        )
        assert submission_id is not None
    return submission_id, receivable_id


def test_dog_deregistration(portal: Portal) -> None:
    """N clerks of the tax office confirm a dog's deregistration at once: the tax ends once
    (one deregistration, one cancellation booking, the collection cancelled once)."""
    from server.hundesteuer.models import DogDeregistration
    from server.payments.models import Booking, BookingKind, DirectDebit

    submission_id, receivable_id = dog_deregistration(portal)
    replies = post_decision(
        portal.clerks("steueramt-race", [Role.TAX_OFFICE]),
        f"/verwaltung/antraege/hundesteuer-abmeldung/{submission_id}",
        {"status": "abgemeldet"},
    )
    assert_race(
        replies,
        effects=portal.count(select(DogDeregistration)),
        what="confirmations of a deregistration",
        winner=lambda reply: reply.status == 200 and "Abgemeldet" in reply.text,
    )
    assert events(portal, submission_id, "abgemeldet") == 1
    cancelled = portal.count(
        select(Booking).where(
            Booking.receivable_id == receivable_id,
            Booking.kind == BookingKind.CANCELLATION.value,
        )
    )
    assert cancelled == 1, f"{cancelled} cancellations for one deregistration"
    with portal.db() as session:
        debit = session.scalars(
            select(DirectDebit).where(DirectDebit.receivable_id == receivable_id)
        ).one()
        assert debit.state == "cancelled"
