"""A decision of the city reaches the money, exactly once: discontinued, forwarded and continued
fines close their receivable with a booking that says why; money that still arrives goes to the
cash office; a platform's word is checked; parallel decisions and imports have one effect. On
both databases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from flask import Flask
from lxml import etree
from sqlalchemy import func, select

from server.auth.roles import Role
from server.extensions import db
from server.fines import hearing
from server.fines.cases import get_case, receivable_of
from server.fines.models import CaseStatus, FineCase, StatementKind
from server.payments import clarifications, online
from server.payments.journal import ReceivableStatus
from server.payments.models import (
    Booking,
    Clarification,
    ClarificationReason,
    ClarificationState,
    Receivable,
    Refund,
    StatementImport,
)
from server.payments.receivables import balance, find_by_kassenzeichen
from server.payments.refunds import credit_transfer_file
from server.payments.statement_import import import_statement_file
from tests.checking_client import CheckingClient, csrf_token
from tests.factories import make_clerk, make_fine_case
from tests.integration.helpers import log_in_clerk
from tests.integration.payments.test_payments_cash_office import text_of
from tests.integration.payments.test_payments_exactly_once import ScriptedPlatform
from tests.integration.payments.test_payments_statements import camt, credit, transfer
from tests.threads import Wait, times, together

PARALLEL = 20
PAIN = "{urn:iso:std:iso:20022:tech:xsd:pain.001.001.09}"


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    with app.test_request_context("/"):
        yield app


def in_parallel(app: Flask, action: Callable[[], object], count: int = PARALLEL) -> list[object]:
    """Run ``action`` in ``count`` threads released at once, each with its own request context
    (and database session); returns what each returned or raised (an ``Exception``, for the
    test to judge; anything else fails the test)."""

    def run(wait: Wait) -> object:
        with app.test_request_context("/"):
            wait()
            try:
                return action()
            except Exception as error:  # collected, asserted by the test
                return error

    return together(times(count, run))


def unexpected(outcomes: list[object], *allowed: type[Exception]) -> list[object]:
    return [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, allowed)]


def case_of(app: Flask) -> tuple[FineCase, Receivable, dict[str, str]]:
    made = make_fine_case(app)
    case = get_case(int(made["case_id"]))
    assert case is not None
    receivable = receivable_of(case)
    assert receivable is not None
    return case, receivable, made


def nominate(case: FineCase) -> None:
    hearing.submit_statement(
        case,
        submission_id=f"nominate-{case.id}",
        kind=StatementKind.NOMINATE,
        text="",
        person=hearing.Person("Erika Mustermann", "Hauptstraße 5", "12345 Musterstadt", None),
        driver=hearing.Person("Max Fahrer", "Nebenweg 1", "12345 Musterstadt", None),
        email=None,
    )


def bookings(receivable: Receivable) -> list[tuple[str, int]]:
    return [
        (b.kind, b.amount_cents)
        for b in db.session.scalars(
            select(Booking).where(Booking.receivable_id == receivable.id).order_by(Booking.id)
        )
    ]


def test_a_discontinued_fine_is_cancelled_and_a_late_transfer_goes_to_the_cash_office(
    ctx: Flask,
) -> None:
    case, receivable, made = case_of(ctx)
    amount = int(made["amount_cents"])
    hearing.decide(case, hearing.Decision.DISCONTINUE, clerk="anna", note="Beschilderung fehlte")

    db.session.expire_all()
    assert case.status == CaseStatus.DISCONTINUED.value
    assert receivable.closed_reason == "discontinued"
    assert bookings(receivable) == [("cancellation", amount)]
    assert balance(receivable).status == ReceivableStatus.CLOSED
    assert balance(receivable).open_cents == 0
    note = db.session.scalar(select(Booking.note).where(Booking.receivable_id == receivable.id))
    assert note is not None
    assert "eingestellt" in note
    with pytest.raises(online.NothingToPay):
        online.start_online_payment(receivable, ScriptedPlatform())

    # The citizen transfers anyway, with the letter's RF reference.
    import_statement_file(camt(credit("E1", amount, transfer(amount, rf=made["rf_reference"]))))
    db.session.expire_all()
    assert bookings(receivable) == [("cancellation", amount), ("payment", amount)]
    item = db.session.scalar(select(Clarification))
    assert item is not None
    assert item.reason == ClarificationReason.PAYMENT_ON_CLOSED.value
    assert item.amount_cents == amount
    assert case.status == CaseStatus.DISCONTINUED.value  # not "paid"

    clarifications.refund(item, clerk="kasse")
    made_file = credit_transfer_file(date(2026, 12, 3))
    assert made_file is not None
    assert made_file[2] == 1
    assert balance(receivable).paid_cents == 0

    with pytest.raises(hearing.AlreadyDecided):
        hearing.decide(case, hearing.Decision.CONTINUE, clerk="bert")


def test_a_partly_paid_fine_that_is_discontinued_pays_the_part_back(ctx: Flask) -> None:
    case, receivable, made = case_of(ctx)
    amount = int(made["amount_cents"])
    import_statement_file(camt(credit("E1", 1000, transfer(1000, rf=made["rf_reference"]))))
    hearing.decide(case, hearing.Decision.DISCONTINUE, clerk="anna")
    db.session.expire_all()
    assert bookings(receivable) == [
        ("payment", 1000),
        ("refund", -1000),
        ("cancellation", amount),
    ]
    refund = db.session.scalar(select(Refund))
    assert refund is not None
    assert (refund.amount_cents, refund.creditor_iban) == (1000, "DE89370400440532013000")


def test_continuing_replaces_the_verwarnungsgeld(ctx: Flask) -> None:
    case, receivable, _made = case_of(ctx)
    hearing.decide(case, hearing.Decision.CONTINUE, clerk="anna")
    db.session.expire_all()
    assert receivable.closed_reason == "replaced"
    assert balance(receivable).status == ReceivableStatus.CLOSED


def test_parallel_forwards_create_one_case_with_one_receivable(ctx: Flask) -> None:
    case, receivable, _made = case_of(ctx)
    nominate(case)
    case_id = case.id

    def forward() -> object:
        found = get_case(case_id)
        assert found is not None
        return hearing.decide(found, hearing.Decision.FORWARD, clerk="anna")

    outcomes = in_parallel(ctx, forward)
    assert unexpected(outcomes, hearing.AlreadyDecided) == []
    assert sum(isinstance(o, FineCase) for o in outcomes) == 1
    db.session.expire_all()
    forwarded = db.session.scalars(select(FineCase).where(FineCase.forwarded_from_id == case_id))
    new_cases = list(forwarded)
    assert len(new_cases) == 1
    assert new_cases[0].holder_name == "Max Fahrer"
    new_receivable = receivable_of(new_cases[0])
    assert new_receivable is not None
    assert balance(new_receivable).status == ReceivableStatus.OPEN
    assert db.session.scalar(select(func.count(FineCase.id))) == 2
    assert db.session.scalar(select(func.count(Receivable.id))) == 2
    assert receivable.closed_reason == "forwarded"
    assert [kind for kind, _ in bookings(receivable)] == ["cancellation"]


def test_parallel_refunds_of_one_clarification_pay_back_once(ctx: Flask) -> None:
    _case, _receivable, made = case_of(ctx)
    amount = int(made["amount_cents"])
    # Paid twice: the second transfer is a duplicate the cash office pays back.
    import_statement_file(
        camt(
            credit("E1", amount, transfer(amount, rf=made["rf_reference"])),
            credit("E2", 10000, transfer(10000, rf=made["rf_reference"])),
        )
    )
    item = db.session.scalar(select(Clarification))
    assert item is not None
    item_id = item.id

    def refund() -> object:
        found = clarifications.get_clarification(item_id)
        assert found is not None
        clarifications.refund(found, clerk="kasse")
        return "refunded"

    outcomes = in_parallel(ctx, refund)
    assert unexpected(outcomes, clarifications.AlreadyDecided) == []
    assert outcomes.count("refunded") == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Refund.id))) == 1
    assert item.state == ClarificationState.REFUNDED.value

    files = in_parallel(ctx, lambda: credit_transfer_file(date(2026, 12, 3)), count=5)
    assert unexpected(files) == []
    made_files = [f for f in files if isinstance(f, tuple)]
    assert len(made_files) == 1
    _name, content, count = made_files[0]
    document = etree.fromstring(content)
    amounts = [a.text for a in document.iter(f"{PAIN}InstdAmt")]
    assert (count, amounts) == (1, ["100.00"])


def test_parallel_imports_of_one_statement_book_once_without_errors(ctx: Flask) -> None:
    _case, receivable, made = case_of(ctx)
    amount = int(made["amount_cents"])
    data = camt(credit("E1", amount, transfer(amount, rf=made["rf_reference"])))
    outcomes = in_parallel(ctx, lambda: import_statement_file(data), count=10)
    assert unexpected(outcomes) == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count(StatementImport.id))) == 1
    assert bookings(receivable) == [("payment", amount)]
    assert db.session.scalar(select(func.count(Clarification.id))) == 0


@pytest.mark.parametrize(
    ("reported", "currency", "booked"),
    [
        (1, "EUR", [("payment", 1)]),  # 0,01 € for a 25 € notice
        (960000, "EUR", [("payment", 960000)]),  # 9600 € for it
        (None, "EUR", []),  # no amount at all
        (2500, "USD", []),  # another currency
    ],
)
def test_a_platform_amount_that_differs_is_flagged_never_silently_settles(
    ctx: Flask, reported: int | None, currency: str, booked: list[tuple[str, int]]
) -> None:
    from tests.factories import make_receivable

    receivable_id, kassenzeichen, _token = make_receivable(ctx, amount_cents=2500)
    receivable = find_by_kassenzeichen(kassenzeichen)
    assert receivable is not None
    platform = ScriptedPlatform(
        status="paid",
        reported_cents=reported,
        omit_amount=reported is None,
        reported_currency=currency,
    )
    payment = online.start_online_payment(receivable, platform).payment
    for via in ("return", "notification", "poll"):
        online.apply_status(
            payment, platform.query_status(payment.provider_payment_id or ""), via=via
        )
    db.session.expire_all()
    assert bookings(receivable) == booked
    items = list(db.session.scalars(select(Clarification)))
    assert [(c.reason, c.receivable_id) for c in items] == [
        (ClarificationReason.AMOUNT_MISMATCH.value, receivable_id)
    ]
    if reported == 960000:
        clarifications.refund(items[0], clerk="kasse")
        refund = db.session.scalar(select(Refund))
        assert refund is not None
        assert refund.amount_cents == 960000 - 2500
        assert balance(receivable).status == ReceivableStatus.PAID
    else:
        assert balance(receivable).status != ReceivableStatus.PAID


def test_a_late_platform_payment_for_a_closed_receivable_goes_to_the_cash_office(
    ctx: Flask,
) -> None:
    case, receivable, made = case_of(ctx)
    amount = int(made["amount_cents"])
    platform = ScriptedPlatform(status="paid")
    payment = online.start_online_payment(receivable, platform).payment
    hearing.decide(case, hearing.Decision.DISCONTINUE, clerk="anna")
    # The citizen paid in another tab before the decision; the platform reports it now.
    online.apply_status(payment, platform.query_status(payment.provider_payment_id or ""), via="x")
    db.session.expire_all()
    assert bookings(receivable) == [("cancellation", amount), ("payment", amount)]
    item = db.session.scalar(select(Clarification))
    assert item is not None
    assert (item.reason, item.amount_cents) == (
        ClarificationReason.PAYMENT_ON_CLOSED.value,
        amount,
    )
    assert case.status == CaseStatus.DISCONTINUED.value


def test_the_cash_office_is_told_why_and_a_second_decision_is_already_done(
    client: CheckingClient,
) -> None:
    app = client.application
    with app.test_request_context("/"):
        case, _receivable, made = case_of(app)
        amount = int(made["amount_cents"])
        hearing.decide(case, hearing.Decision.DISCONTINUE, clerk="anna")
        import_statement_file(camt(credit("E1", amount, transfer(amount, rf=made["rf_reference"]))))
        item = db.session.scalar(select(Clarification))
        assert item is not None
        item_id = item.id
    make_clerk(app, username="kasse", roles=[Role.CASH_OFFICE])
    log_in_clerk(client, "kasse")
    page = client.get(f"/verwaltung/kasse/klaerung/{item_id}")
    text = text_of(page)
    assert "Zahlung auf eine erledigte Sollstellung" in text
    assert "erledigt: Verfahren eingestellt" in text
    assert "Vorgeschlagen: erstatten." in text
    token = csrf_token(page)
    first = client.post(
        f"/verwaltung/kasse/klaerung/{item_id}", data={"csrf_token": token, "action": "refund"}
    )
    assert first.status_code == 302
    second = client.post(
        f"/verwaltung/kasse/klaerung/{item_id}", data={"csrf_token": token, "action": "refund"}
    )
    assert second.status_code == 409
    text = text_of(second)
    assert "schon entschieden" in text
    assert "Entschieden: erstattet von kasse" in text
    with app.app_context():
        assert db.session.scalar(select(func.count(Refund.id))) == 1
        receivable_id = db.session.scalar(select(Clarification.receivable_id))
    journal = text_of(client.get(f"/verwaltung/kasse/sollstellungen/{receivable_id}"))
    assert "Absetzung 20,00 € Stadtkasse: closing:" in journal
    assert "Erledigt Verfahren eingestellt" in journal
    assert "Erstattung" in journal


def test_the_fines_office_sees_the_decision_that_won(client: CheckingClient) -> None:
    app = client.application
    with app.test_request_context("/"):
        case, _receivable, _made = case_of(app)
        case_id = case.id
    make_clerk(app, username="bussgeld", roles=[Role.FINES])
    log_in_clerk(client, "bussgeld")
    page = client.get(f"/verwaltung/bussgeld/fall/{case_id}")
    token = csrf_token(page)
    data = {"csrf_token": token, "decision": "discontinue", "note": ""}
    assert client.post(f"/verwaltung/bussgeld/fall/{case_id}", data=data).status_code == 302
    again = client.post(
        f"/verwaltung/bussgeld/fall/{case_id}", data={**data, "decision": "continue"}
    )
    assert again.status_code == 409
    assert "bereits entschieden" in text_of(again)
    with app.app_context():
        found = get_case(case_id)
        assert found is not None
        assert found.status == CaseStatus.DISCONTINUED.value


def test_a_statement_racing_a_decision_does_not_reopen_the_case(ctx: Flask) -> None:
    case, _receivable, _made = case_of(ctx)
    case_id = case.id
    # The citizen's request loaded the case while it was open ...
    assert case.status == CaseStatus.OPEN.value

    def discontinue() -> object:
        found = get_case(case_id)
        assert found is not None
        return hearing.decide(found, hearing.Decision.DISCONTINUE, clerk="anna")

    # ... and the fines office decides before the statement is stored.
    assert unexpected(in_parallel(ctx, discontinue, count=1)) == []
    assert case.status == CaseStatus.OPEN.value  # what the citizen's request still sees
    with pytest.raises(hearing.HearingError):
        hearing.submit_statement(
            case,
            submission_id="late-1",
            kind=StatementKind.CONTEST,
            text="Ich war es nicht.",
            person=hearing.Person("Erika Mustermann", "Hauptstraße 5", "12345 Musterstadt", None),
            driver=None,
            email=None,
        )
    db.session.expire_all()
    found = get_case(case_id)
    assert found is not None
    assert found.status == CaseStatus.DISCONTINUED.value
