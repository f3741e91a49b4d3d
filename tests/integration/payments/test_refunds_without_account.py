"""A refund the platform does not take back, after a payment that left no account (card, PayPal,
Wero): it waits for the account the citizen names, the cash office is told and gives it, and the
refund goes with the next credit transfer file, once. On both databases."""

from __future__ import annotations

from lxml import etree
from sqlalchemy import func, select

from server.audit.models import AuditEntry
from server.extensions import db
from server.payments import online, refund_accounts
from server.payments.models import Refund, RefundState
from server.payments.receivables import get_receivable
from server.payments.refunds import request_refund, send_provider_refunds
from tests.checking_client import CheckingClient, checking_client, csrf_token
from tests.factories import make_receivable
from tests.integration.payments.test_decisions_reach_the_money import PAIN, in_parallel
from tests.integration.payments.test_payments_cash_office import cash_clerk, text_of
from tests.integration.payments.test_payments_citizen import grant_by_lookup
from tests.integration.payments.test_payments_exactly_once import ScriptedPlatform

IBAN = "DE02 1203 0000 0000 2020 51"


def refund_without_account(client: CheckingClient) -> tuple[int, str]:
    """A receivable paid on a platform that refuses refunds, then paid back in full: the refund
    id and the Kassenzeichen."""
    app = client.application
    platform = ScriptedPlatform(status="paid")
    app.extensions["payment_provider"] = platform
    receivable_id, kassenzeichen, _token = make_receivable(app, amount_cents=2500)
    with app.test_request_context("/"):
        receivable = get_receivable(receivable_id)
        assert receivable is not None
        payment = online.start_online_payment(receivable, platform).payment
        online.apply_status(
            payment, platform.query_status(payment.provider_payment_id or ""), via="return"
        )
        with db.transaction():
            refund = request_refund(
                receivable=receivable,
                amount_cents=2500,
                reason="Verfahren eingestellt",
                clerk="anna",
            )
        assert refund.provider == "scripted"
        send_provider_refunds([refund])
        return refund.id, kassenzeichen


def test_the_cash_office_gives_the_account_and_the_refund_goes_with_the_next_file(
    client: CheckingClient,
) -> None:
    refund_id, kassenzeichen = refund_without_account(client)
    citizen = checking_client(client.application)
    assert grant_by_lookup(citizen, kassenzeichen, "25,00").status_code == 302
    notice = text_of(citizen.get(f"/zahlungen/{kassenzeichen}"))
    assert "per Überweisung, sobald die Stadtkasse Ihre Kontoverbindung hat" in notice
    assert "wartet auf Ihre Kontoverbindung" in notice
    cash_clerk(client)

    overview = client.get("/verwaltung/kasse/")
    assert "Erstattungen für die Bank: 0." in text_of(overview)
    assert "1 Erstattung wartet auf ein Konto." in text_of(overview)
    assert "Erstattungen ohne Konto 1" in text_of(client.get("/verwaltung/"))
    listed = text_of(client.get("/verwaltung/kasse/erstattungen/ohne-konto"))
    assert kassenzeichen in listed
    assert "25,00 €" in listed
    assert "Verfahren eingestellt" in listed

    url = f"/verwaltung/kasse/erstattungen/{refund_id}/konto"
    page = client.get(url)
    assert page.status_code == 200
    token = csrf_token(page)
    wrong = client.post(
        url, data={"csrf_token": token, "kontoinhaber": "Erika M.", "iban": "DE00 1234"}
    )
    assert wrong.status_code == 422
    assert "Diese IBAN ist nicht gültig. Bitte prüfen Sie sie." in text_of(wrong)
    assert 'value="Erika M."' in wrong.get_data(as_text=True)
    abroad = client.post(
        url,
        data={
            "csrf_token": token,
            "kontoinhaber": "Erika M.",
            "iban": "BR1800360305000010009795493C1",
        },
    )
    assert "Überweisungen gehen nur auf Konten im SEPA-Raum." in text_of(abroad)
    unnamed = client.post(url, data={"csrf_token": token, "kontoinhaber": "", "iban": IBAN})
    assert "Geben Sie an, wem das Konto gehört." in text_of(unnamed)
    assert f'value="{IBAN}"' in unnamed.get_data(as_text=True)

    given = client.post(
        url, data={"csrf_token": token, "kontoinhaber": "Erika Mustermann", "iban": IBAN}
    )
    assert given.status_code == 302
    after = text_of(client.get(given.location))
    assert "Die Erstattung geht mit der nächsten Überweisungsdatei an Erika Mustermann." in after
    assert "Keine Erstattung wartet auf ein Konto." in after
    again = client.post(url, data={"csrf_token": token, "kontoinhaber": "Max Muster", "iban": IBAN})
    assert again.status_code == 409
    assert "schon ein Konto angegeben" in text_of(again)

    overview = client.get("/verwaltung/kasse/")
    assert "Erstattungen für die Bank: 1." in text_of(overview)
    assert "Erstattungen ohne Konto 0" in text_of(client.get("/verwaltung/"))
    transfers = client.post("/verwaltung/kasse/erstattungen", data={"csrf_token": token})
    assert transfers.status_code == 200
    document = etree.fromstring(transfers.data)
    assert document.findtext(f".//{PAIN}CdtrAcct/{PAIN}Id/{PAIN}IBAN") == IBAN.replace(" ", "")
    assert document.findtext(f".//{PAIN}Cdtr/{PAIN}Nm") == "Erika Mustermann"
    assert document.findtext(f".//{PAIN}InstdAmt") == "25.00"
    notice = text_of(citizen.get(f"/zahlungen/{kassenzeichen}"))
    assert "Überweisung auf Ihr Konto" in notice
    assert "wartet auf Ihre Kontoverbindung" not in notice
    with client.application.app_context():
        refund = db.session.get(Refund, refund_id)
        assert refund is not None
        assert refund.state == RefundState.EXPORTED.value


def test_two_clerks_giving_an_account_at_once_give_it_once(client: CheckingClient) -> None:
    refund_id, _kassenzeichen = refund_without_account(client)
    app = client.application
    outcomes = in_parallel(
        app,
        lambda: refund_accounts.give_account(
            refund_id, name="Erika Mustermann", iban="DE02120300000000202051", clerk="kasse"
        ),
    )
    assert sorted(outcomes, key=str) == [False] * (len(outcomes) - 1) + [True]
    with app.app_context():
        entries = db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "payments.refund.account")
        )
        assert entries == 1


def test_an_unknown_refund_is_not_found(client: CheckingClient) -> None:
    cash_clerk(client)
    assert client.get("/verwaltung/kasse/erstattungen/999/konto").status_code == 404
