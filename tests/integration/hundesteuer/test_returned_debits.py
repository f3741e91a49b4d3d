"""The dog tax's direct debits in the bank statement, on both databases: the collections the
cash office's pain.008 file asked for come back in the bank's camt.053 (one batch entry with a
<TxDtls> per collection, or one entry each) and are booked to their receivables once; a
Rücklastschrift (a debit entry with <RtrInf>) reopens the receivable, tells the cash office why
and the citizen how to pay now, and makes the mandate unusable where the reason says so.

The statements are written here as a Sparkasse delivers them in the Deutsche Kreditwirtschaft's
format camt.053.001.02 (bank transaction codes PMNT-IDDT-ESDD / NDDT+192 for the collections'
batch credit, PMNT-IDDT-UPDD / NRTI+109 for a return, the return fee under <Chrgs> and in
<TxAmt>), checked against the ISO 20022 schema, and read through the real importer.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from flask import Flask
from lxml import etree
from sqlalchemy import select

from server.auth.roles import Role
from server.extensions import db
from server.mail.models import OutboxMail
from server.payments import debit_returns
from server.payments.clarifications import list_clarifications
from server.payments.direct_debits import Mandate, direct_debit_file, request_collection
from server.payments.models import (
    Booking,
    Clarification,
    DirectDebit,
    Receivable,
    SepaMandate,
)
from server.payments.receivables import add_receivable, balance
from server.payments.return_reasons import reason_text
from server.payments.statement_import import import_statement_file
from tests.checking_client import CheckingClient, checking_client, csrf_token, page_text
from tests.factories import make_clerk
from tests.integration.helpers import log_in_clerk
from tests.integration.hundesteuer.test_hundesteuer import approve, register
from tests.integration.meldebescheinigung.test_meldebescheinigung import citizen

CITY_IBAN = "DE02120300000000202051"
CAMT_XSD = Path(__file__).parents[2] / "fixtures" / "statements" / "xsd" / "camt.053.001.02.xsd"
PAIN = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}
DAY = date(2026, 12, 1)
DEBTORS = (
    ("Özdemir, Ayşe", "DE02500105170137075030"),
    ("Schröder, Klaus", "DE25300501100000004711"),
    ("Weiß, Jürgen", "DE89370400440532013000"),
)
_refs = itertools.count(1)


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app


@dataclass(frozen=True)
class Collection:
    """One collection as the pain.008 file asked the bank for it."""

    end_to_end_id: str
    mandate_id: str
    amount_cents: int
    remittance: str
    debtor_name: str
    debtor_iban: str


def collections_in_file(content: bytes) -> list[Collection]:
    document = etree.fromstring(content)
    found = []
    for tx in document.findall(".//p:DrctDbtTxInf", PAIN):
        amount = tx.findtext("p:InstdAmt", namespaces=PAIN) or "0"
        euros, _, cents = amount.partition(".")
        found.append(
            Collection(
                end_to_end_id=tx.findtext("p:PmtId/p:EndToEndId", namespaces=PAIN) or "",
                mandate_id=tx.findtext(".//p:MndtId", namespaces=PAIN) or "",
                amount_cents=int(euros) * 100 + int(cents.ljust(2, "0")),
                remittance=tx.findtext("p:RmtInf/p:Ustrd", namespaces=PAIN) or "",
                debtor_name=tx.findtext("p:Dbtr/p:Nm", namespaces=PAIN) or "",
                debtor_iban=tx.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=PAIN) or "",
            )
        )
    return found


def dog_tax(amounts: tuple[int, ...]) -> tuple[list[Receivable], list[Collection]]:
    """Receivables of the dog tax with a mandate each, and the cash office's pain.008 file."""
    receivables = []
    with db.transaction() as session:
        for number, cents in enumerate(amounts):
            name, iban = DEBTORS[number % len(DEBTORS)]
            created = add_receivable(
                session,
                purpose="dog-tax",
                amount_cents=cents,
                description=f"Hundesteuer 2026 ab 12/2026, Steuermarke 2026-{number:04d} (Bello)",
                debtor_name=name,
                due_date=DAY,
            )
            request_collection(
                session,
                created.receivable,
                Mandate(f"HST-TEST-{next(_refs):06d}", name, iban, DAY - timedelta(days=30)),
                DAY,
            )
            receivables.append(created.receivable)
    made = direct_debit_file(clerk="kasse")
    assert made is not None
    return receivables, collections_in_file(made[1])


def _amount(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _code(domain: str, proprietary: str) -> str:
    area, family, sub = domain.split("-")
    return (
        f"<BkTxCd><Domn><Cd>{area}</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>{sub}</SubFmlyCd>"
        f"</Fmly></Domn><Prtry><Cd>{proprietary}</Cd><Issr>ZKA</Issr></Prtry></BkTxCd>"
    )


def _transaction(
    payment: Collection, *, amount_cents: int, instructed: bool, returned: str | None
) -> str:
    instructed_amount = (
        f'<InstdAmt><Amt Ccy="EUR">{_amount(payment.amount_cents)}</Amt></InstdAmt>'
        if instructed
        else ""
    )
    return_info = (
        f"<RtrInf><Rsn><Cd>{returned}</Cd></Rsn>"
        f"<AddtlInf>RUECKLASTSCHRIFT {returned}</AddtlInf></RtrInf>"
        if returned
        else ""
    )
    return f"""
          <TxDtls>
            <Refs>
              <EndToEndId>{payment.end_to_end_id}</EndToEndId>
              <MndtId>{payment.mandate_id}</MndtId>
            </Refs>
            <AmtDtls>{instructed_amount}
              <TxAmt><Amt Ccy="EUR">{_amount(amount_cents)}</Amt></TxAmt>
            </AmtDtls>
            <RltdPties>
              <Dbtr><Nm>{escape(payment.debtor_name)}</Nm></Dbtr>
              <DbtrAcct><Id><IBAN>{payment.debtor_iban}</IBAN></Id></DbtrAcct>
              <Cdtr><Nm>Stadt Musterstadt</Nm></Cdtr>
              <CdtrAcct><Id><IBAN>{CITY_IBAN}</IBAN></Id></CdtrAcct>
            </RltdPties>
            <RmtInf><Ustrd>{escape(payment.remittance)}</Ustrd></RmtInf>{return_info}
          </TxDtls>"""


def batch_credit(reference: str, payments: list[Collection]) -> str:
    """The collections of one pain.008 file credited in one entry (Sammlergutschrift)."""
    total = sum(payment.amount_cents for payment in payments)
    details = "".join(
        _transaction(payment, amount_cents=payment.amount_cents, instructed=False, returned=None)
        for payment in payments
    )
    return f"""
      <Ntry>
        <Amt Ccy="EUR">{_amount(total)}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>{DAY}</Dt></BookgDt>
        <ValDt><Dt>{DAY}</Dt></ValDt>
        <AcctSvcrRef>{reference}</AcctSvcrRef>
        {_code("PMNT-IDDT-ESDD", "NDDT+192+00931")}
        <NtryDtls>
          <Btch><NbOfTxs>{len(payments)}</NbOfTxs></Btch>{details}
        </NtryDtls>
        <AddtlNtryInf>SEPA-BASISLASTSCHRIFT SAMMLER</AddtlNtryInf>
      </Ntry>"""


def single_credit(reference: str, payment: Collection) -> str:
    """One collection credited in an entry of its own (SEPA-Basislastschrift, GVC 171)."""
    detail = _transaction(
        payment, amount_cents=payment.amount_cents, instructed=False, returned=None
    )
    return f"""
      <Ntry>
        <Amt Ccy="EUR">{_amount(payment.amount_cents)}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>{DAY}</Dt></BookgDt>
        <ValDt><Dt>{DAY}</Dt></ValDt>
        <AcctSvcrRef>{reference}</AcctSvcrRef>
        {_code("PMNT-IDDT-ESDD", "NDDT+171+00931")}
        <NtryDtls>{detail}
        </NtryDtls>
        <AddtlNtryInf>SEPA-BASISLASTSCHRIFT</AddtlNtryInf>
      </Ntry>"""


def returned(
    reference: str,
    payment: Collection,
    reason: str | None,
    *,
    fee_cents: int = 300,
    reversal: bool = True,
) -> str:
    """A Rücklastschrift: the collected amount and the bank's return fee taken back."""
    taken = payment.amount_cents + fee_cents
    charges = (
        f'<Chrgs><TtlChrgsAndTaxAmt Ccy="EUR">{_amount(fee_cents)}</TtlChrgsAndTaxAmt>'
        f'<Amt Ccy="EUR">{_amount(fee_cents)}</Amt><CdtDbtInd>DBIT</CdtDbtInd></Chrgs>'
        if fee_cents
        else ""
    )
    detail = _transaction(payment, amount_cents=taken, instructed=True, returned=reason)
    return f"""
      <Ntry>
        <Amt Ccy="EUR">{_amount(taken)}</Amt>
        <CdtDbtInd>DBIT</CdtDbtInd>{"<RvslInd>true</RvslInd>" if reversal else ""}
        <Sts>BOOK</Sts>
        <BookgDt><Dt>{DAY + timedelta(days=3)}</Dt></BookgDt>
        <ValDt><Dt>{DAY + timedelta(days=3)}</Dt></ValDt>
        <AcctSvcrRef>{reference}</AcctSvcrRef>
        {_code("PMNT-IDDT-UPDD", "NRTI+109+00931")}{charges}
        <NtryDtls>{detail}
        </NtryDtls>
        <AddtlNtryInf>RUECKLASTSCHRIFT</AddtlNtryInf>
      </Ntry>"""


def statement(statement_id: str, *entries: str, iban: str = CITY_IBAN) -> bytes:
    """A Sparkasse's camt.053.001.02 day statement of the city's account, schema-checked."""
    document = f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr>
      <MsgId>camt53_{statement_id}</MsgId>
      <CreDtTm>{DAY}T18:30:11.0+01:00</CreDtTm>
      <MsgPgntn><PgNb>1</PgNb><LastPgInd>true</LastPgInd></MsgPgntn>
    </GrpHdr>
    <Stmt>
      <Id>{statement_id}</Id>
      <ElctrncSeqNb>1</ElctrncSeqNb>
      <CreDtTm>{DAY}T18:30:11.0+01:00</CreDtTm>
      <Acct>
        <Id><IBAN>{iban}</IBAN></Id>
        <Ccy>EUR</Ccy>
        <Ownr><Nm>Stadt Musterstadt Stadtkasse</Nm></Ownr>
        <Svcr><FinInstnId><BIC>COLSDE33XXX</BIC><Nm>Sparkasse KölnBonn</Nm></FinInstnId></Svcr>
      </Acct>
      <Bal>
        <Tp><CdOrPrtry><Cd>PRCD</Cd></CdOrPrtry></Tp>
        <Amt Ccy="EUR">100000.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Dt><Dt>{DAY - timedelta(days=1)}</Dt></Dt>
      </Bal>
      <Bal>
        <Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp>
        <Amt Ccy="EUR">100000.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Dt><Dt>{DAY}</Dt></Dt>
      </Bal>{"".join(entries)}
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""
    data = document.encode()
    etree.XMLSchema(etree.parse(str(CAMT_XSD))).assertValid(etree.fromstring(data))
    return data


def debit_of(receivable: Receivable) -> DirectDebit:
    found = db.session.scalar(select(DirectDebit).where(DirectDebit.receivable_id == receivable.id))
    assert found is not None
    db.session.refresh(found)
    return found


def amounts_booked(receivable: Receivable) -> list[int]:
    return list(
        db.session.scalars(
            select(Booking.amount_cents)
            .where(Booking.receivable_id == receivable.id)
            .order_by(Booking.id)
        )
    )


@pytest.mark.parametrize("layout", ["batch", "single"])
def test_each_collection_of_the_bank_credit_is_booked_once(ctx: Flask, layout: str) -> None:
    receivables, asked = dog_tax((9600, 4800, 15000))
    assert [payment.end_to_end_id for payment in asked] == [
        f"LAST-{debit_of(receivable).id}" for receivable in receivables
    ]
    if layout == "batch":
        entries = [batch_credit("2026120100004711", asked)]
    else:
        entries = [single_credit(f"202612010000{n:04d}", p) for n, p in enumerate(asked)]
    data = statement("STMT-COLLECTED", *entries)

    result = import_statement_file(data, filename="auszug.xml", imported_by="kasse")
    assert (result.booked, result.clarifications) == (3, 0)
    for receivable, payment in zip(receivables, asked, strict=True):
        assert amounts_booked(receivable) == [payment.amount_cents]
        assert balance(receivable).status == "paid"
        debit = debit_of(receivable)
        assert debit.state == "collected"
        assert debit.collected_at is not None

    # The same file again, and the same entries in a corrected statement: nothing twice.
    again = import_statement_file(data)
    assert (again.already_imported, again.booked) == (1, 0)
    corrected = import_statement_file(statement("STMT-COLLECTED-KORR", *entries))
    assert (corrected.booked, corrected.clarifications) == (0, 0)
    assert db.session.query(Booking).count() == 3
    assert list_clarifications() == []


def test_the_end_to_end_id_names_the_collection_and_a_foreign_kassenzeichen_is_clarified(
    ctx: Flask,
) -> None:
    receivables, asked = dog_tax((9600, 4800))
    first, second = asked
    # The bank's remittance lost the Kassenzeichen: the end-to-end id still names the collection.
    bare = Collection(**{**first.__dict__, "remittance": "HUNDESTEUER"})
    # A collection whose text names another receivable: the cash office decides.
    crossed = Collection(**{**second.__dict__, "remittance": first.remittance})
    result = import_statement_file(
        statement("STMT-CROSSED", batch_credit("2026120100004712", [bare, crossed]))
    )
    assert (result.booked, result.clarifications) == (1, 1)
    assert balance(receivables[0]).status == "paid"
    assert balance(receivables[1]).status == "open"
    assert debit_of(receivables[1]).state == "exported"
    [clarification] = list_clarifications()
    assert clarification.reason == "unknown_reference"


def next_year_under(mandate: SepaMandate, due: date) -> Receivable:
    """Next year's tax, its collection asked for under the same mandate."""
    with db.transaction() as session:
        later = add_receivable(
            session,
            purpose="dog-tax",
            amount_cents=9600,
            description="Hundesteuer 2027",
            debtor_name=mandate.debtor_name,
            due_date=due,
        )
        request_collection(
            session,
            later.receivable,
            Mandate(mandate.reference, mandate.debtor_name, mandate.debtor_iban, DAY),
            due,
        )
    return later.receivable


@pytest.mark.parametrize(("reason", "revoked"), [("AC04", True), ("MD06", True), ("AM04", False)])
def test_a_return_reopens_the_receivable_and_tells_the_cash_office_why(
    ctx: Flask, reason: str, revoked: bool
) -> None:
    receivables, asked = dog_tax((9600, 4800))
    import_statement_file(statement("STMT-IN", batch_credit("2026120100004713", asked)))
    back = import_statement_file(
        statement("STMT-BACK", returned("2026120400000815", asked[0], reason))
    )
    assert (back.booked, back.clarifications) == (1, 1)

    target, untouched = receivables
    debit = debit_of(target)
    assert (debit.state, debit.return_reason) == ("returned", reason)
    assert debit.returned_at is not None
    # The collected money is reversed; the bank's return fee (3.00) is not the citizen's debt.
    assert amounts_booked(target) == [9600, -9600]
    assert balance(target).status == "open"
    assert balance(target).open_cents == 9600
    assert balance(untouched).status == "paid"
    assert debit_of(untouched).state == "collected"

    [clarification] = list_clarifications()
    assert clarification.reason == "returned_debit"
    assert clarification.receivable_id == target.id
    assert clarification.return_reason == reason
    assert clarification.amount_cents == 9900
    assert "Rücklastschriftentgelt 3,00 EUR" in clarification.remittance
    assert asked[0].end_to_end_id in clarification.remittance

    mandate = db.session.get(SepaMandate, debit.mandate_id)
    assert mandate is not None
    assert (mandate.revoked_at is not None, mandate.revoked_reason) == (
        (True, reason) if revoked else (False, None)
    )
    # Nothing is collected again by itself; a revoked mandate collects nothing new either.
    assert direct_debit_file() is None
    later = next_year_under(mandate, DAY + timedelta(days=365))
    later_debit = db.session.scalar(
        select(DirectDebit).where(DirectDebit.receivable_id == later.id)
    )
    assert (later_debit is None) == revoked


def test_a_revoking_return_stops_the_mandates_collections_not_sent_yet(ctx: Flask) -> None:
    """A collection asked for before the return came (next year's tax) is not sent to the bank
    under the revoked mandate: it would only come back with another fee."""
    receivables, asked = dog_tax((9600,))
    mandate = db.session.get(SepaMandate, debit_of(receivables[0]).mandate_id)
    assert mandate is not None
    later = next_year_under(mandate, DAY + timedelta(days=40))
    import_statement_file(statement("STMT-IN2", batch_credit("2026120100004714", asked)))
    import_statement_file(statement("STMT-BACK2", returned("2026120400000816", asked[0], "AC04")))
    waiting = db.session.scalar(select(DirectDebit).where(DirectDebit.receivable_id == later.id))
    assert waiting is not None
    db.session.refresh(waiting)
    assert waiting.state == "cancelled"
    assert direct_debit_file() is None
    assert balance(later).open_cents == 9600  # paid like any other notice


def test_the_same_return_imported_twice_or_in_two_statements_has_one_effect(ctx: Flask) -> None:
    [receivable], asked = dog_tax((9600,))
    import_statement_file(statement("STMT-IN", single_credit("2026120100000001", asked[0])))
    data = statement("STMT-BACK", returned("2026120400000816", asked[0], "MD06"))
    import_statement_file(data)
    twice = import_statement_file(data)
    assert (twice.already_imported, twice.booked, twice.clarifications) == (1, 0, 0)
    # The bank reports the return again, under another reference of its own, in another
    # statement: no second reversal, no second mail; the cash office sees it was returned.
    other = import_statement_file(
        statement("STMT-BACK-2", returned("2026120500000999", asked[0], "MD06", reversal=False))
    )
    assert (other.booked, other.clarifications) == (0, 1)
    assert amounts_booked(receivable) == [9600, -9600]
    assert balance(receivable).open_cents == 9600
    first, second = db.session.scalars(select(Clarification).order_by(Clarification.id))
    assert "Mandat gesperrt" in first.remittance
    assert "war schon zurückgegeben, nichts gebucht" in second.remittance
    assert debit_of(receivable).state == "returned"


def test_a_return_read_before_its_credit_leaves_the_receivable_open(ctx: Flask) -> None:
    [receivable], asked = dog_tax((4800,))
    import_statement_file(statement("STMT-BACK", returned("2026120400000817", asked[0], "AM04")))
    assert amounts_booked(receivable) == []
    assert debit_of(receivable).state == "returned"
    # The credit of the collection arrives in the statement imported after: in and out again.
    import_statement_file(statement("STMT-IN", single_credit("2026120100000002", asked[0])))
    assert amounts_booked(receivable) == [4800, -4800]
    assert balance(receivable).open_cents == 4800
    assert debit_of(receivable).state == "returned"


def test_a_return_of_an_unknown_collection_goes_to_the_cash_office(ctx: Flask) -> None:
    [receivable], _asked = dog_tax((4800,))
    unknown = Collection(
        end_to_end_id="LAST-999999",
        mandate_id="HST-UNBEKANNT",
        amount_cents=2400,
        remittance="HUNDESTEUER",
        debtor_name="Becker, Jörg",
        debtor_iban="DE98370501989876543210",
    )
    without_reason = Collection(**{**unknown.__dict__, "end_to_end_id": "LAST-999998"})
    result = import_statement_file(
        statement(
            "STMT-UNKNOWN",
            returned("2026120400000818", unknown, "MD06"),
            # No <RtrInf>, no <RvslInd>: the city's end-to-end id going out is a return too.
            returned("2026120400000819", without_reason, None, fee_cents=0, reversal=False),
        )
    )
    assert (result.booked, result.clarifications, result.ignored) == (0, 2, 0)
    clarifications = list_clarifications()
    assert [(c.reason, c.receivable_id) for c in clarifications] == [
        ("returned_debit", None),
        ("returned_debit", None),
    ]
    assert [c.return_reason for c in clarifications] == ["MD06", None]
    assert "LAST-999999" in clarifications[0].remittance
    assert debit_of(receivable).state == "exported"
    assert db.session.query(Booking).count() == 0


def test_reason_codes_in_words(app: Flask) -> None:
    with app.test_request_context():
        assert reason_text("AC04") == "Konto erloschen (AC04)"
        assert reason_text("MD06") == "Widerspruch durch Zahlungspflichtigen (MD06)"
        assert reason_text("XY99") == "XY99"


def upload(cash: CheckingClient, data: bytes, name: str) -> None:
    token = csrf_token(cash.get("/verwaltung/kasse/kontoauszug"))
    answer = cash.post(
        "/verwaltung/kasse/kontoauszug",
        data={"csrf_token": token, "statement": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 200, page_text(answer.get_data(as_text=True))[:400]


def test_the_citizen_hears_of_the_return_and_finds_the_tax_open_again(app: Flask) -> None:
    client = citizen(app, trust="low")
    sent = register(client)
    assert sent.status_code == 200
    approve(app, sent.get_json()["reference"])
    make_clerk(app, username="kasse", roles=[Role.CASH_OFFICE])
    cash = checking_client(app)
    log_in_clerk(cash, "kasse")
    token = csrf_token(cash.get("/verwaltung/kasse/"))
    made = cash.post("/verwaltung/kasse/lastschriften", data={"csrf_token": token})
    [payment] = collections_in_file(made.get_data())

    upload(cash, statement("STMT-IN", batch_credit("2026120100004714", [payment])), "in.xml")
    with app.app_context():
        receivable = db.session.scalars(select(Receivable)).one()
        kassenzeichen, amount = receivable.kassenzeichen, receivable.amount_cents
        assert balance(receivable).status == "paid"
    upload(cash, statement("STMT-BACK", returned("2026120400000820", payment, "MD06")), "r.xml")

    with app.app_context():
        receivable = db.session.scalars(select(Receivable)).one()
        assert balance(receivable).open_cents == amount
        [mail] = db.session.scalars(
            select(OutboxMail).where(OutboxMail.dedupe_key.like("debit-returned:%"))
        ).all()
        [clarification] = list_clarifications()
    assert mail.recipient == "erika@example.de"
    assert "zurückgegeben" in mail.subject
    assert "Grund: Widerspruch durch Zahlungspflichtigen (MD06)." in mail.body
    assert "Wir ziehen ihn nicht noch einmal ein." in mail.body
    assert f"/zahlungen/{kassenzeichen}" in mail.body
    assert f"Verwendungszweck: Kassenzeichen {kassenzeichen}" in mail.body

    # The cash office reads why.
    page = page_text(cash.get(f"/verwaltung/kasse/klaerung/{clarification.id}").get_data(True))
    assert "Grund der Rückgabe" in page
    assert "Widerspruch durch Zahlungspflichtigen (MD06)" in page
    queue = page_text(cash.get("/verwaltung/kasse/klaerung").get_data(as_text=True))
    assert "Widerspruch durch Zahlungspflichtigen (MD06)" in queue

    # The citizen finds the notice open again, with the transfer's GiroCode.
    lookup = client.post(
        "/zahlungen/",
        data={
            "csrf_token": csrf_token(client.get("/zahlungen/")),
            "kassenzeichen": kassenzeichen,
            "amount": f"{amount // 100},{amount % 100:02d}",
        },
    )
    assert lookup.status_code == 302, page_text(lookup.get_data(as_text=True))[:400]
    shown = client.get(lookup.headers["Location"])
    text = page_text(shown.get_data(as_text=True))
    assert "offen" in text
    assert "GiroCode" in shown.get_data(as_text=True)


def mt940(statement_number: str, *lines: str) -> bytes:
    """A Sparkasse's MT940 day statement of the city's account (Bankleitzahl/Kontonummer)."""
    return "\r\n".join(
        [
            ":20:STARTUMSE",
            ":25:12030000/0000202051",
            f":28C:{statement_number}/001",
            ":60F:C261201EUR100000,00",
            *lines,
            ":62F:C261204EUR100000,00",
            "-",
        ]
    ).encode("latin-1")


def test_an_mt940_return_with_the_reason_in_its_purpose_text(
    ctx: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Outside a request, as ``portal payments import-statement`` runs: the mail is written too.
    monkeypatch.setattr(debit_returns, "_recipient", lambda _receivable: "klaus@example.de")
    [receivable], [payment] = dog_tax((9600,))
    import_statement_file(statement("STMT-IN", single_credit("2026120100000003", payment)))
    data = mt940(
        "00048",
        ":61:2612041204DR99,00N005NONREF//2026120400000821",
        f":86:109?00RUECKLASTSCHRIFT?109248?20EREF+{payment.end_to_end_id}?21MREF+"
        f"{payment.mandate_id}?22SVWZ+Hundesteuer Rueckgabegrund?23 AC04 Konto erloschen"
        f"?30COLSDE33XXX?31{payment.debtor_iban}?32Schroeder, Klaus?34931",
    )
    result = import_statement_file(data, filename="auszug.sta")
    assert (result.booked, result.clarifications) == (1, 1)
    assert amounts_booked(receivable) == [9600, -9600]
    debit = debit_of(receivable)
    assert (debit.state, debit.return_reason) == ("returned", "AC04")
    [clarification] = list_clarifications()
    assert clarification.return_reason == "AC04"
    mandate = db.session.get(SepaMandate, debit.mandate_id)
    assert mandate is not None
    assert mandate.revoked_reason == "AC04"
    [mail] = db.session.scalars(select(OutboxMail)).all()
    assert mail.recipient == "klaus@example.de"
    assert "Grund: Konto erloschen (AC04)." in mail.body
