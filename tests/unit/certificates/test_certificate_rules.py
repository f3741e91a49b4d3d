"""§§ 62, 63 PStG and the fee table, for every relationship x document x purpose."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from flask import Flask

from server import create_app
from server.certificates.documents import DocumentKind, Register
from server.certificates.eligibility import Facts, Outcome, Relationship, decide, needs_id_copy
from server.certificates.fees import (
    DEFAULT_TABLE,
    FeeTable,
    FeeTableError,
    Purpose,
    quote,
    refund_on_rejection,
)
from server.certificates.register_details import search_needed

TODAY = date(2026, 11, 25)
ADULT = date(1980, 5, 17)

A, LEG, LEGAL, NO = (
    Outcome.ALLOWED,
    Outcome.LEGITIMATE_INTEREST,
    Outcome.LEGAL_INTEREST,
    Outcome.REFUSED,
)
DOCS = (
    DocumentKind.BIRTH_CERTIFICATE,
    DocumentKind.BIRTH_EXTRACT,
    DocumentKind.MARRIAGE_CERTIFICATE,
    DocumentKind.PARTNERSHIP_CERTIFICATE,
    DocumentKind.DEATH_CERTIFICATE,
)
# Written out from the statute, one row per relationship, columns in the order of DOCS.
EXPECTED = {
    Relationship.SELF: (A, A, A, A, NO),
    Relationship.SPOUSE: (A, A, A, A, A),
    Relationship.ANCESTOR: (A, A, A, A, A),
    Relationship.DESCENDANT: (A, A, A, A, A),
    Relationship.SIBLING: (LEG, LEG, LEGAL, LEGAL, LEG),
    Relationship.OTHER: (LEGAL, LEGAL, LEGAL, LEGAL, LEGAL),
}


@pytest.fixture(scope="module")
def app() -> Flask:
    return create_app({"PORTAL_ENV": "testing", "DATABASE_URL": "sqlite://"})


@pytest.mark.parametrize(
    ("relationship", "document", "purpose"),
    list(itertools.product(Relationship, DocumentKind, Purpose)),
)
def test_every_relationship_document_and_purpose(
    app: Flask, relationship: Relationship, document: DocumentKind, purpose: Purpose
) -> None:
    with app.test_request_context("/"):
        decision = decide(
            Facts(
                document=document,
                relationship=relationship,
                today=TODAY,
                applicant_birthdate=ADULT,
                event_date=date(2000, 1, 1),
            )
        )
        assert decision.outcome is EXPECTED[relationship][DOCS.index(document)]
        assert decision.needs_proof == (decision.outcome is LEGAL)
        assert decision.needs_explanation == (decision.outcome in (LEG, LEGAL))
        assert "PStG" in decision.legal_basis
        fee = quote(document, 2, purpose, search_needed=False)
        free = purpose in (Purpose.PENSION, Purpose.SOCIAL_INSURANCE, Purpose.SOCIAL_BENEFIT)
        assert fee.total_cents == (0 if free else 1200 + 600)


@pytest.mark.parametrize(
    ("birthdate", "outcome"),
    [
        (date(2010, 11, 26), Outcome.REFUSED),  # 16 tomorrow
        (date(2010, 11, 25), Outcome.ALLOWED),  # 16 today
        (date(2016, 1, 1), Outcome.REFUSED),
    ],
)
def test_applicants_must_be_sixteen(app: Flask, birthdate: date, outcome: Outcome) -> None:
    with app.test_request_context("/"):
        facts = Facts(
            DocumentKind.BIRTH_CERTIFICATE, Relationship.SELF, TODAY, applicant_birthdate=birthdate
        )
        assert decide(facts).outcome is outcome


def test_a_leap_day_birthday_turns_sixteen_on_the_first_of_march() -> None:
    from server.certificates.eligibility import years_between

    assert years_between(date(2008, 2, 29), date(2024, 2, 28)) == 15
    assert years_between(date(2008, 2, 29), date(2024, 2, 29)) == 16
    assert years_between(date(2007, 2, 28), date(2023, 3, 1)) == 16


@pytest.mark.parametrize(
    ("relationship", "deceased", "document", "outcome"),
    [
        (Relationship.SELF, False, DocumentKind.BIRTH_EXTRACT, Outcome.ALLOWED),
        (Relationship.ANCESTOR, False, DocumentKind.BIRTH_EXTRACT, Outcome.ALLOWED),
        (Relationship.SPOUSE, False, DocumentKind.BIRTH_EXTRACT, Outcome.REFUSED),
        (Relationship.DESCENDANT, False, DocumentKind.BIRTH_EXTRACT, Outcome.REFUSED),
        (Relationship.SIBLING, False, DocumentKind.BIRTH_EXTRACT, Outcome.REFUSED),
        (Relationship.OTHER, False, DocumentKind.BIRTH_EXTRACT, Outcome.REFUSED),
        # The restriction ends with the child's death ...
        (Relationship.DESCENDANT, True, DocumentKind.BIRTH_EXTRACT, Outcome.ALLOWED),
        # ... and never concerned the birth certificate, which shows only the adoptive parents.
        (Relationship.SPOUSE, False, DocumentKind.BIRTH_CERTIFICATE, Outcome.ALLOWED),
    ],
)
def test_adopted_childs_register_extract(
    app: Flask,
    relationship: Relationship,
    deceased: bool,
    document: DocumentKind,
    outcome: Outcome,
) -> None:
    with app.test_request_context("/"):
        facts = Facts(
            document,
            relationship,
            TODAY,
            applicant_birthdate=ADULT,
            adopted=True,
            person_deceased=deceased,
        )
        decision = decide(facts)
        assert decision.outcome is outcome
        if outcome is Outcome.REFUSED:
            assert decision.legal_basis == "§ 63 Abs. 1 PStG"


def test_thirty_years_after_the_last_death_a_legitimate_interest_suffices(app: Flask) -> None:
    with app.test_request_context("/"):
        marriage = Facts(
            DocumentKind.MARRIAGE_CERTIFICATE,
            Relationship.OTHER,
            TODAY,
            applicant_birthdate=ADULT,
            event_date=date(1960, 6, 1),
            last_participant_died=date(1995, 11, 25),
        )
        assert decide(marriage).outcome is Outcome.LEGITIMATE_INTEREST
        later = Facts(**{**marriage.__dict__, "last_participant_died": date(1996, 11, 26)})
        assert decide(later).outcome is Outcome.LEGAL_INTEREST


@pytest.mark.parametrize(
    ("document", "event", "outcome"),
    [
        (DocumentKind.BIRTH_CERTIFICATE, date(1916, 11, 25), Outcome.ARCHIVE),  # 110 years
        (DocumentKind.BIRTH_CERTIFICATE, date(1916, 11, 26), Outcome.ALLOWED),
        (DocumentKind.MARRIAGE_CERTIFICATE, date(1946, 11, 25), Outcome.ARCHIVE),  # 80 years
        (DocumentKind.DEATH_CERTIFICATE, date(1996, 11, 25), Outcome.ARCHIVE),  # 30 years
        (DocumentKind.DEATH_CERTIFICATE, date(1996, 11, 26), Outcome.ALLOWED),
    ],
)
def test_entries_past_the_keeping_period_are_in_the_archive(
    app: Flask, document: DocumentKind, event: date, outcome: Outcome
) -> None:
    with app.test_request_context("/"):
        facts = Facts(
            document, Relationship.DESCENDANT, TODAY, applicant_birthdate=ADULT, event_date=event
        )
        assert decide(facts).outcome is outcome


def test_only_an_eid_login_at_level_high_replaces_the_id_copy() -> None:
    assert not needs_id_copy("high")
    assert needs_id_copy("substantial")
    assert needs_id_copy("low")
    assert needs_id_copy(None)


def test_fees_first_copy_half_price_copies_and_search_fee(app: Flask) -> None:
    with app.test_request_context("/"):
        one = quote(DocumentKind.BIRTH_CERTIFICATE, 1, Purpose.PERSONAL, search_needed=False)
        assert one.total_cents == 1200
        three = quote(DocumentKind.BIRTH_CERTIFICATE, 3, Purpose.PERSONAL, search_needed=True)
        assert [line.cents for line in three.lines] == [1200, 1200, 1200]
        assert three.total_cents == 3600
        free = quote(DocumentKind.DEATH_CERTIFICATE, 4, Purpose.PENSION, search_needed=True)
        assert free.total_cents == 0
        # Rejected: the fee goes back, the search fee stays when the office searched.
        assert refund_on_rejection(3600, three, searched=True) == 2400
        assert refund_on_rejection(3600, three, searched=False) == 3600
        assert refund_on_rejection(1200, one, searched=True) == 1200


def test_the_fee_table_is_configuration(app: Flask) -> None:
    text = DEFAULT_TABLE.read_text(encoding="utf-8").replace("= 1200\nregister", "= 1500\nregister")
    table = FeeTable.from_toml(
        text.replace("further_copy_percent = 50", "further_copy_percent = 100")
    )
    with app.test_request_context("/"):
        fee = quote(
            DocumentKind.BIRTH_CERTIFICATE, 2, Purpose.PERSONAL, search_needed=False, table=table
        )
        assert fee.total_cents == 3000
    with pytest.raises(FeeTableError):
        FeeTable.from_toml(text.replace("sterbeurkunde = 1200\n", ""))
    with pytest.raises(FeeTableError):
        FeeTable.from_toml("not toml [")


def test_missing_register_details_cost_a_search() -> None:
    known = {"name", "event_date"}
    assert search_needed(Register.BIRTH, known, None)
    assert not search_needed(Register.BIRTH, known | {"parents"}, None)
    assert not search_needed(Register.BIRTH, set(), "G 1234/1990")
    assert not search_needed(Register.DEATH, known, "")
