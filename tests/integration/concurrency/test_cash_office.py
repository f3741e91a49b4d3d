"""The cash office: clarification decisions, the credit-transfer file, statement uploads."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import requests
from sqlalchemy import select

from server.audit.models import AuditEntry
from server.auth.roles import Role
from server.extensions import db
from server.formatting import city_today
from server.mail.models import OutboxMail
from server.payments.direct_debits import Mandate, direct_debit_file, request_collection
from server.payments.models import (
    Booking,
    BookingKind,
    Clarification,
    ClarificationReason,
    DirectDebit,
    Refund,
    StatementImport,
)
from server.payments.receivables import add_receivable
from server.payments.refunds import request_refund
from server.payments.statement_import import import_statement_file
from server.payments.statements.camt053_writer import write_camt053
from server.payments.statements.model import Entry, Statement, TransactionDetail
from tests.factories import make_receivable
from tests.integration.concurrency.harness import Browser, Portal, Reply, assert_race, race
from tests.integration.hundesteuer.test_returned_debits import (
    collections_in_file,
    returned,
    single_credit,
    statement,
)

CLERK = "kasse-race"
IBAN = "DE89370400440532013000"


def cash_clerks(portal: Portal) -> list[Browser]:
    return portal.clerks(CLERK, [Role.CASH_OFFICE])


def make_clarification(
    portal: Portal, reason: ClarificationReason, *, receivable_id: int | None = None
) -> int:
    with portal.db() as session, db.transaction():
        item = Clarification(
            reason=reason.value,
            source_ref=portal.unique("race-clarification-"),
            receivable_id=receivable_id,
            amount_cents=1234,
            booking_date=city_today(),
            debtor_name="Verein Heimatfreunde",
            debtor_iban=IBAN,
            remittance="Spende Stadtfest",
        )
        session.add(item)
    return item.id


@pytest.mark.parametrize("action", ["refund", "write_off", "assign", "accept"])
def test_clarification_decisions(portal: Portal, action: str) -> None:
    browsers = cash_clerks(portal)
    target_id, kassenzeichen, _ = make_receivable(portal.app, amount_cents=5000)
    reason = (
        ClarificationReason.PARTIAL_PAYMENT
        if action == "write_off"
        else ClarificationReason.UNKNOWN_REFERENCE
    )
    clarification_id = make_clarification(
        portal, reason, receivable_id=target_id if action == "write_off" else None
    )
    url = f"/verwaltung/kasse/klaerung/{clarification_id}"
    tokens: dict[int, str] = {}

    def prepare(browser: Browser, index: int) -> None:
        tokens[index] = browser.csrf(url)

    def send(browser: Browser, index: int) -> requests.Response:
        return browser.post(
            url,
            data={
                "csrf_token": tokens[index],
                "action": action,
                "note": f"Rennen {index}",
                "kassenzeichen": kassenzeichen,
            },
        )

    replies = race(browsers, send, prepare=prepare)
    effects = {
        "refund": select(Refund).where(Refund.clarification_id == clarification_id),
        "write_off": select(Booking).where(
            Booking.receivable_id == target_id, Booking.kind == BookingKind.WRITE_OFF.value
        ),
        "assign": select(Booking).where(Booking.receivable_id == target_id),
        "accept": select(AuditEntry).where(
            AuditEntry.action == "payments.clarification.accepted",
            AuditEntry.record_id == str(clarification_id),
        ),
    }
    decided = portal.count(
        select(AuditEntry).where(
            AuditEntry.action.like("payments.clarification.%"),
            AuditEntry.record_id == str(clarification_id),
        )
    )
    assert_race(
        replies,
        effects=portal.count(effects[action]),
        what=f"clarification {action}",
        winner=lambda reply: reply.url.endswith("/verwaltung/kasse/klaerung"),
    )
    assert decided == 1, f"{decided} decisions in the audit log"


def race_for_the_file(
    browsers: list[Browser], path: str, what: str, prefix: str, ids: list[int]
) -> None:
    """Every cash clerk asks for the bank file at once: one file, and each of ``ids`` (by its
    end-to-end id ``prefix<id>``) in it exactly once."""
    tokens: dict[int, str] = {}

    def prepare(browser: Browser, index: int) -> None:
        tokens[index] = browser.csrf("/verwaltung/kasse/")

    replies = race(
        browsers,
        lambda browser, index: browser.post(path, data={"csrf_token": tokens[index]}),
        prepare=prepare,
    )
    files = [reply for reply in replies if "xml" in reply.content_type]
    in_files = {
        item: sum(f"<EndToEndId>{prefix}{item}</EndToEndId>" in f.html for f in files)
        for item in ids
    }
    assert_race(
        replies,
        effects=len(files),
        what=what,
        winner=lambda reply: "xml" in reply.content_type,
    )
    assert in_files == dict.fromkeys(ids, 1), f"item -> files holding it: {in_files}"


def test_credit_transfer_file(portal: Portal) -> None:
    """Parallel downloads must not put one refund into two pain.001 files."""
    browsers = cash_clerks(portal)
    with portal.db() as session, db.transaction():
        refund_ids = [
            request_refund(
                receivable=None,
                amount_cents=1000 + index,
                reason="Rennen",
                clerk=CLERK,
                creditor_name="Erika Mustermann",
                creditor_iban=IBAN,
            ).id
            for index in range(3)
        ]
        session.flush()
    race_for_the_file(
        browsers, "/verwaltung/kasse/erstattungen", "credit transfer files", "ERST-", refund_ids
    )
    with portal.db() as session:
        exported = {
            refund.export_file
            for refund in session.scalars(select(Refund).where(Refund.id.in_(refund_ids)))
        }
    assert len(exported) == 1
    assert None not in exported


def statement_for(portal: Portal, kassenzeichen: str, rf_reference: str, cents: int) -> bytes:
    day = city_today()
    entry = Entry(
        entry_ref=portal.unique("RACE-"),
        amount_cents=cents,
        credit=True,
        booking_date=day,
        value_date=day,
        bank_transaction_code="PMNT-RCDT-ESCT",
        details=(
            TransactionDetail(
                amount_cents=cents,
                creditor_reference=rf_reference,
                end_to_end_id=portal.unique("E2E"),
                debtor_name="Erika Mustermann",
                debtor_iban=IBAN,
            ),
        ),
    )
    unknown = Entry(
        entry_ref=portal.unique("RACE-"),
        amount_cents=777,
        credit=True,
        booking_date=day,
        value_date=day,
        bank_transaction_code="PMNT-RCDT-ESCT",
        details=(
            TransactionDetail(
                amount_cents=777,
                remittance_text=f"Wofuer {kassenzeichen[::-1]}",
                debtor_name="Niemand",
                debtor_iban=IBAN,
            ),
        ),
    )
    with portal.app.app_context():
        account = portal.app.config["PAYEE_IBAN"].replace(" ", "")
    statement = Statement(
        statement_id=portal.unique("RACE-STMT-"),
        account_iban=account,
        created_at=datetime.now(UTC).replace(microsecond=0),
        from_date=day,
        to_date=day,
        opening_balance_cents=100_000,
        closing_balance_cents=100_000 + cents + 777,
        entries=(entry, unknown),
        source_format="camt.053.001.08",
    )
    return write_camt053([statement], version="001.08")


def test_statement_upload(portal: Portal) -> None:
    """The same camt.053 uploaded N times at once: booked once, one import, no 500."""
    browsers = cash_clerks(portal)
    receivable_id, kassenzeichen, _ = make_receivable(portal.app, amount_cents=4321)
    with portal.db() as session:
        from server.payments.models import Receivable

        rf = session.get(Receivable, receivable_id).rf_reference  # type: ignore[union-attr]
    content = statement_for(portal, kassenzeichen, rf, 4321)
    statement_id = re.search(rb"<Stmt>\s*<Id>([^<]+)</Id>", content)
    assert statement_id is not None
    tokens: dict[int, str] = {}

    def prepare(browser: Browser, index: int) -> None:
        tokens[index] = browser.csrf("/verwaltung/kasse/kontoauszug")

    replies = race(
        browsers,
        lambda browser, index: browser.post(
            "/verwaltung/kasse/kontoauszug",
            data={"csrf_token": tokens[index]},
            files={"statement": ("auszug.xml", content, "application/xml")},
        ),
        prepare=prepare,
    )
    imports = portal.count(
        select(StatementImport).where(
            StatementImport.statement_id == statement_id.group(1).decode()
        )
    )
    bookings = portal.count(select(Booking).where(Booking.receivable_id == receivable_id))
    clarified = portal.count(select(Clarification).where(Clarification.amount_cents == 777))

    def already_read(reply: Reply) -> bool:
        return reply.status == 200 and (
            "Bereits früher eingelesen" in reply.text or reply.says_done()
        )

    assert_race(
        replies,
        effects=imports,
        what="statement imports",
        loser=already_read,
        winner=lambda reply: "verbucht" in reply.text,
    )
    assert bookings == 1, f"{bookings} bookings for one transfer"
    assert clarified == 1, f"{clarified} clarifications for one unknown transfer"


def test_direct_debit_file(portal: Portal) -> None:
    """Parallel downloads must not put one collection into two pain.008 files."""
    browsers = cash_clerks(portal)
    with portal.db() as session, db.transaction():
        debit_ids = []
        for index in range(3):
            created = add_receivable(
                session,
                purpose="dog-tax",
                amount_cents=9600 + index,
                description="Hundesteuer",
                debtor_name="Erika Mustermann",
                due_date=city_today(),
            )
            request_collection(
                session,
                created.receivable,
                Mandate(f"HST-RACE-{index}", "Erika Mustermann", IBAN, city_today()),
                city_today(),
            )
        session.flush()
        debit_ids = list(session.scalars(select(DirectDebit.id)))
    race_for_the_file(
        browsers, "/verwaltung/kasse/lastschriften", "direct debit files", "LAST-", debit_ids
    )


def test_one_return_in_parallel_statements(portal: Portal) -> None:
    """The same Rücklastschrift in N different statements uploaded at once (the bank reporting
    it again under another reference): the collection is returned once, its money reversed
    once, the citizen mailed once; each statement's entry is in front of the cash office."""
    browsers = cash_clerks(portal)
    with portal.db() as session:
        account = portal.app.config["PAYEE_IBAN"].replace(" ", "")
        with db.transaction():
            created = add_receivable(
                session,
                purpose="dog-tax",
                amount_cents=9600,
                description="Hundesteuer 2026",
                debtor_name="Erika Mustermann",
                due_date=city_today(),
            )
            request_collection(
                session,
                created.receivable,
                Mandate(portal.unique("HST-RETURN-"), "Erika Mustermann", IBAN, city_today()),
                city_today(),
            )
        receivable_id = created.receivable.id
        debit_id = session.scalar(
            select(DirectDebit.id).where(DirectDebit.receivable_id == receivable_id)
        )
        made = direct_debit_file(clerk=CLERK)
        assert made is not None
        [payment] = [
            found
            for found in collections_in_file(made[1])
            if found.end_to_end_id == f"LAST-{debit_id}"
        ]
        import_statement_file(
            statement(
                portal.unique("IN-"), single_credit(portal.unique("C"), payment), iban=account
            )
        )
    contents = [
        statement(
            portal.unique("BACK-"),
            returned(portal.unique("R"), payment, "AC04"),
            iban=account,
        )
        for _ in browsers
    ]
    tokens: dict[int, str] = {}

    def prepare(browser: Browser, index: int) -> None:
        tokens[index] = browser.csrf("/verwaltung/kasse/kontoauszug")

    replies = race(
        browsers,
        lambda browser, index: browser.post(
            "/verwaltung/kasse/kontoauszug",
            data={"csrf_token": tokens[index]},
            files={"statement": ("auszug.xml", contents[index], "application/xml")},
        ),
        prepare=prepare,
    )
    assert all(reply.status == 200 for reply in replies), [r.summary() for r in replies]
    reversals = portal.count(
        select(Booking).where(
            Booking.receivable_id == receivable_id, Booking.kind == BookingKind.REVERSAL.value
        )
    )
    mails = portal.count(
        select(OutboxMail).where(OutboxMail.dedupe_key == f"debit-returned:{debit_id}")
    )
    clarified = portal.count(
        select(Clarification).where(Clarification.receivable_id == receivable_id)
    )
    with portal.db() as session:
        state = session.scalar(select(DirectDebit.state).where(DirectDebit.id == debit_id))
    assert (reversals, state) == (1, "returned")
    # No address is known for a receivable made without an application: no mail at all.
    assert mails == 0
    assert clarified == len(browsers)


def test_refund_account(portal: Portal) -> None:
    """Every cash clerk gives an account for one refund that waits for one: it is given once,
    the others are told it was."""
    browsers = cash_clerks(portal)
    with portal.db() as session, db.transaction():
        refund = Refund(
            amount_cents=1234,
            reason="Verfahren eingestellt",
            reference="Erstattung Ihrer Zahlung",
            created_by="race",
        )
        session.add(refund)
    url = f"/verwaltung/kasse/erstattungen/{refund.id}/konto"
    tokens: dict[int, str] = {}

    def prepare(browser: Browser, index: int) -> None:
        tokens[index] = browser.csrf(url)

    replies = race(
        browsers,
        lambda browser, index: browser.post(
            url,
            data={
                "csrf_token": tokens[index],
                "kontoinhaber": f"Kontoinhaberin {index}",
                "iban": IBAN,
            },
        ),
        prepare=prepare,
    )
    assert_race(
        replies,
        effects=portal.count(
            select(AuditEntry).where(
                AuditEntry.action == "payments.refund.account",
                AuditEntry.record_id == str(refund.id),
            )
        ),
        what="refund account given",
        winner=lambda reply: reply.url.endswith("/verwaltung/kasse/erstattungen/ohne-konto"),
    )
    with portal.db() as session:
        given = session.get(Refund, refund.id)
        assert given is not None
        assert given.creditor_iban == IBAN
