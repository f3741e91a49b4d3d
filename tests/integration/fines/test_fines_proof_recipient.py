"""Where a paid fine's proof of payment goes (``server.fines.proof``): the latest address given
in the hearing, else the first account that opened the case logged in (its contact address,
else the one it logs in with), else nobody."""

from __future__ import annotations

from flask import Flask

from server.auth import records
from server.auth.models import Citizen
from server.extensions import db
from server.fines.proof import proof_recipient
from server.payments.receivables import find_by_kassenzeichen
from tests.factories import make_fine_case
from tests.integration.payments.test_payments_truth import add_hearing_email


def recipient(app: Flask, case: dict[str, str]) -> str | None:
    with app.test_request_context("/"):
        receivable = find_by_kassenzeichen(case["kassenzeichen"])
        assert receivable is not None
        return proof_recipient(receivable)


def account(app: Flask, case: dict[str, str], email: str | None, login_email: str) -> None:
    with app.test_request_context("/"):
        with db.transaction() as session:
            citizen = Citizen(
                given_name="Erika", family_name="Muster", email=email, login_email=login_email
            )
            session.add(citizen)
        records.link(citizen.id, "fine_cases", int(case["case_id"]))


def test_a_case_nobody_gave_an_address_for_has_no_recipient(app: Flask) -> None:
    assert recipient(app, make_fine_case(app)) is None


def test_the_latest_address_given_in_the_hearing_comes_before_the_account(app: Flask) -> None:
    case = make_fine_case(app)
    account(app, case, "konto@example.de", "login@example.de")
    assert recipient(app, case) == "konto@example.de"
    add_hearing_email(app, case, "erst@example.de")
    add_hearing_email(app, case, "dann@example.de")
    assert recipient(app, case) == "dann@example.de"


def test_an_account_without_a_contact_address_gets_it_where_it_logs_in(app: Flask) -> None:
    case = make_fine_case(app)
    account(app, case, "", "login@example.de")
    account(app, case, "spaeter@example.de", "zweites@example.de")  # linked later: not asked
    assert recipient(app, case) == "login@example.de"
