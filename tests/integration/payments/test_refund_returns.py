"""A refund's credit transfer that the payee's bank returned (account closed): the statement's
credit naming it by its end-to-end id puts the refund back among those waiting for an account,
once, and the citizen is told; nothing is booked as a payment. On both databases."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy import func, select

from server.extensions import db
from server.mail.models import OutboxMail
from server.payments import refund_accounts
from server.payments.models import (
    Booking,
    Clarification,
    ClosingReason,
    Refund,
    RefundReturn,
    RefundState,
)
from server.payments.receivables import balance, create_receivable, find_by_kassenzeichen
from server.payments.references import format_kassenzeichen
from server.payments.refunds import credit_transfer_file
from server.payments.statement_import import import_statement_file
from server.payments.statements.model import Entry, TransactionDetail
from tests.checking_client import CheckingClient
from tests.integration.payments.test_payments_cash_office import cash_clerk, text_of
from tests.integration.payments.test_payments_statements import camt
from tests.integration.payments.test_payments_truth import (
    PAYER_IBAN,
    close,
    fine_paid_by_transfer,
)

NEW_IBAN = "DE02100100100006820101"
DAY = date(2026, 11, 27)


def returned(refund_id: int, amount_cents: int, ref: str = "RET-1") -> Entry:
    """The bank's credit: the refund's transfer back, with the reason code (camt.053 RtrInf)."""
    return Entry(
        entry_ref=ref,
        amount_cents=amount_cents,
        credit=True,
        booking_date=DAY,
        value_date=DAY,
        bank_transaction_code="PMNT-ICDT-RRTN",
        details=(
            TransactionDetail(
                amount_cents=amount_cents,
                end_to_end_id=f"ERST-{refund_id}",
                remittance_text="Erstattung Rueckgabe",
                debtor_name="Erika Mustermann",
                debtor_iban=PAYER_IBAN,
                return_reason="AC04",
            ),
        ),
    )


def refund_sent_to_the_bank(app: Flask) -> tuple[dict[str, str], int, int, CheckingClient]:
    """A fine paid by transfer, discontinued, its refund in a credit transfer file: the case,
    the refund's id and amount, the citizen's browser (account linked to the notice)."""
    case, citizen, amount = fine_paid_by_transfer(app)
    close(app, case["kassenzeichen"], ClosingReason.DISCONTINUED)
    with app.app_context():
        made = credit_transfer_file(DAY, clerk="anna")
        assert made is not None
        assert made[2] == 1
        refund = db.session.scalars(select(Refund)).one()
        assert (refund.state, refund.creditor_iban) == (RefundState.EXPORTED.value, PAYER_IBAN)
        return case, refund.id, amount, citizen


def test_a_returned_refund_transfer_waits_for_an_account_again_and_the_citizen_is_told(
    client: CheckingClient,
) -> None:
    app = client.application
    case, refund_id, amount, citizen = refund_sent_to_the_bank(app)
    with app.app_context():
        bookings_before = db.session.scalar(select(func.count()).select_from(Booking))
        result = import_statement_file(camt(returned(refund_id, amount), statement_id="S-RET"))
        assert (result.refunds_returned, result.booked, result.clarifications) == (1, 0, 0)
        refund = db.session.get(Refund, refund_id)
        assert refund is not None
        assert (refund.state, refund.creditor_iban, refund.export_file) == (
            RefundState.REQUESTED.value,
            None,
            None,
        )
        kept = db.session.scalars(select(RefundReturn)).one()
        assert (kept.refund_id, kept.creditor_iban, kept.return_reason, kept.amount_cents) == (
            refund_id,
            PAYER_IBAN,
            "AC04",
            amount,
        )
        # The ledger stays: the refund was booked when it was decided and is still owed.
        assert db.session.scalar(select(func.count()).select_from(Booking)) == bookings_before
        receivable = find_by_kassenzeichen(case["kassenzeichen"])
        assert receivable is not None
        assert balance(receivable).open_cents == 0
        assert db.session.scalar(select(func.count()).select_from(Clarification)) == 0

    # The citizen sees it on the case and the notice, in the Postfach and by mail, once.
    case_page = text_of(citizen.get(f"/bussgeld/fall/{case['aktenzeichen']}"))
    assert "wartet auf Ihre Kontoverbindung" in case_page
    assert "wartet auf Ihre Kontoverbindung" in text_of(
        citizen.get(f"/zahlungen/{case['kassenzeichen']}")
    )
    printed = format_kassenzeichen(case["kassenzeichen"])
    subject = f"Erstattung zum Kassenzeichen {printed}: Überweisung zurückgekommen"
    page = citizen.get("/konto").get_data(as_text=True)
    assert page.count(f"{subject}</summary>") == 1
    with app.app_context():
        mails = [m for m in db.session.scalars(select(OutboxMail)) if m.subject == subject]
    assert len(mails) == 1
    assert "Konto erloschen (AC04)" in mails[0].body
    assert "Bitte nennen Sie der Stadtkasse eine Kontoverbindung." in mails[0].body

    # The cash office finds it among the refunds without an account, with what happened.
    cash_clerk(client)
    listed = text_of(client.get("/verwaltung/kasse/erstattungen/ohne-konto"))
    assert printed in listed or case["kassenzeichen"] in listed
    assert f"Die Überweisung an {PAYER_IBAN} ist zurückgekommen: Konto erloschen (AC04)." in listed

    page = text_of(client.get(f"/verwaltung/kasse/erstattungen/{refund_id}/konto"))
    assert f"Zurückgekommen Die Überweisung an {PAYER_IBAN} ist zurückgekommen" in page
    assert "Konto angeben" in page

    # The same entry again (the statement again, or corrected under another id): nothing more.
    with app.app_context():
        again = import_statement_file(camt(returned(refund_id, amount), statement_id="S-RET"))
        assert (again.already_imported, again.refunds_returned) == (1, 0)
        corrected = import_statement_file(
            camt(returned(refund_id, amount), statement_id="S-RET-KORR")
        )
        assert (corrected.refunds_returned, corrected.booked, corrected.clarifications) == (
            0,
            0,
            0,
        )
        # A new account, the next file pays it again; the old return read once more changes
        # nothing.
        assert refund_accounts.give_account(
            refund_id, name="Erika Mustermann", iban=NEW_IBAN, clerk="anna"
        )
        made = credit_transfer_file(DAY, clerk="anna")
        assert made is not None
        assert f"<EndToEndId>ERST-{refund_id}</EndToEndId>" in made[1].decode()
        import_statement_file(camt(returned(refund_id, amount), statement_id="S-RET-3"))
        refund = db.session.get(Refund, refund_id)
        assert refund is not None
        assert (refund.state, refund.creditor_iban) == (RefundState.EXPORTED.value, NEW_IBAN)
        assert db.session.scalar(select(func.count()).select_from(RefundReturn)) == 1
    with app.app_context():
        mails = [m for m in db.session.scalars(select(OutboxMail)) if m.subject == subject]
    assert len(mails) == 1


def test_money_back_that_is_not_the_refund_as_it_went_out_is_booked_and_clarified(
    client: CheckingClient,
) -> None:
    """Less than went out (a bank's fee taken), or naming a refund that is not with the bank:
    booked as money in and put to the cash office, as any other payment."""
    app = client.application
    _case, refund_id, amount, _citizen = refund_sent_to_the_bank(app)
    with app.app_context():
        short = import_statement_file(
            camt(returned(refund_id, amount - 300, ref="RET-FEE"), statement_id="S-FEE")
        )
        # It names no notice: the cash office is asked, with the money and who sent it.
        assert (short.refunds_returned, short.booked, short.clarifications) == (0, 0, 1)
        unknown = import_statement_file(
            camt(returned(refund_id + 999, amount, ref="RET-X"), statement_id="S-X")
        )
        assert (unknown.refunds_returned, unknown.booked, unknown.clarifications) == (0, 0, 1)
        refund = db.session.get(Refund, refund_id)
        assert refund is not None
        assert (refund.state, refund.creditor_iban) == (RefundState.EXPORTED.value, PAYER_IBAN)
        assert db.session.scalar(select(func.count()).select_from(RefundReturn)) == 0


def test_a_returned_transfer_that_is_no_refund_of_the_portal_names_its_payee_to_the_clerk(
    client: CheckingClient,
) -> None:
    """As Sparkasse reports a returned credit transfer (camt.053 PMNT/ICDT/RRTN, the original
    transfer's payee under RltdPties/Cdtr, no Dbtr): one the portal did not make goes to the
    cash office, with the payee's name and account rather than none."""
    app = client.application
    detail = TransactionDetail(
        amount_cents=4000,
        end_to_end_id="ERST-2024-0087",
        remittance_text="Erstattung Bewohnerparkausweis",
        creditor_name="Wagner, Lutz",
        creditor_iban=PAYER_IBAN,
        return_reason="AC04",
    )
    entry = Entry(
        entry_ref="RET-SPK",
        amount_cents=4000,
        credit=True,
        booking_date=DAY,
        value_date=DAY,
        bank_transaction_code="PMNT-ICDT-RRTN",
        details=(detail,),
    )
    with app.app_context():
        result = import_statement_file(camt(entry, statement_id="S-SPK"))
        assert (result.refunds_returned, result.clarifications) == (0, 1)
        clarification = db.session.scalars(select(Clarification)).one()
        assert (clarification.debtor_name, clarification.debtor_iban) == (
            "Wagner, Lutz",
            PAYER_IBAN,
        )
        assert clarification.return_reason == "AC04"

        # Naming a notice in its text, it is booked there, from the payee as well.
        notice = create_receivable(
            purpose="test",
            amount_cents=4000,
            description="Gebühr",
            debtor_name="Lutz Wagner",
            due_date=DAY,
        ).receivable
        named = TransactionDetail(
            amount_cents=4000,
            remittance_text=f"Erstattung {notice.kassenzeichen}",
            creditor_name="Wagner, Lutz",
            creditor_iban=PAYER_IBAN,
            return_reason="AC04",
        )
        import_statement_file(
            camt(
                Entry(
                    entry_ref="RET-SPK-2",
                    amount_cents=4000,
                    credit=True,
                    booking_date=DAY,
                    bank_transaction_code="PMNT-ICDT-RRTN",
                    details=(named,),
                ),
                statement_id="S-SPK-2",
            )
        )
        booking = db.session.scalars(
            select(Booking).where(Booking.receivable_id == notice.id)
        ).one()
        assert (booking.counterparty_name, booking.counterparty_iban) == (
            "Wagner, Lutz",
            PAYER_IBAN,
        )
