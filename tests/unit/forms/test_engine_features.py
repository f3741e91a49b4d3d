"""The engine's features other services reuse: the assessment step, dates not before another
answer, and the certificate order's hooks built on them."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from server import create_app
from server.certificates import order
from server.certificates.definition import DEFINITION as URKUNDEN
from server.forms.engine import (
    AssessContext,
    Assessment,
    Field,
    FieldKind,
    FormDefinition,
    Status,
    Step,
)
from server.forms.validation import check_step, validate_all
from server.privacy import PrivacyNotice

TEST_PRIVACY = PrivacyNotice(
    controller="Testamt",
    purposes=("Zum Testen.",),
    legal_basis="Art. 6 Abs. 1 lit. e DSGVO",
    retention="Ein Jahr.",
    recipients=("Niemand.",),
)

TODAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def app() -> Flask:
    """The city lowered the level for birth and death certificates: the ID-copy path."""
    return create_app(
        {
            "PORTAL_ENV": "testing",
            "DATABASE_URL": "sqlite://",
            "CERTIFICATE_LOWER_LEVEL_DOCUMENTS": "geburtsurkunde, sterbeurkunde",
        }
    )


@pytest.fixture(scope="module")
def regulation_app() -> Flask:
    """The default: § 6 Abs. 3 PStV for every document."""
    return create_app({"PORTAL_ENV": "testing", "DATABASE_URL": "sqlite://"})


def proof_service(assessment: Assessment) -> FormDefinition:
    from server.auth.roles import Role

    return FormDefinition(
        slug="probe",
        title="Probe",
        summary="",
        role=Role.CITIZEN_OFFICE,
        reference_prefix="P",
        steps=(
            Step("a", "A", (Field("wer", FieldKind.TEXT, "Wer"),)),
            Step(
                "b",
                "B",
                (Field("warum", FieldKind.TEXTAREA, "Warum", required=False, assessed=True),),
                assessed=True,
            ),
        ),
        statuses=(Status("neu", "Neu"),),
        privacy=TEST_PRIVACY,
        assess=lambda answers, context: assessment,
    )


def test_an_assessed_question_is_asked_only_when_required(app: Flask) -> None:
    with app.test_request_context():
        quiet = proof_service(Assessment())
        assert [s.slug for s in quiet.steps_shown({"wer": ["x"]}, Assessment())] == ["a"]
        assert validate_all(quiet, {"wer": ["x"]}).valid
        asking = proof_service(Assessment(required=frozenset({"warum"}), notes=("Darum",)))
        outcome = validate_all(asking, {"wer": ["x"]})
        assert outcome.errors == {"warum": ["Geben Sie an: Warum"]}
        assert outcome.first_error_step is asking.steps[1]
        assert validate_all(asking, {"wer": ["x"], "warum": ["weil"]}).answers == {
            "wer": "x",
            "warum": "weil",
        }


def test_a_refusal_is_an_error_of_its_field(app: Flask) -> None:
    with app.test_request_context():
        refusing = proof_service(Assessment(refusals={"wer": "Nicht erlaubt."}))
        outcome = validate_all(refusing, {"wer": ["x"]})
        assert outcome.errors == {"wer": ["Nicht erlaubt."]}


def test_a_death_cannot_be_before_the_birth(app: Flask) -> None:
    step = URKUNDEN.step("eintrag")
    assert step is not None
    answers = {
        "dokument": ["sterbeurkunde"],
        "vorname": ["Max"],
        "nachname": ["Muster"],
        "ort": ["Musterstadt"],
        "geburtsdatum_verstorben": ["1950-05-01"],
        "ereignis_datum": ["1949-12-31"],
    }
    with app.test_request_context():
        assert "ereignis_datum" in check_step(step, answers).errors
        answers["ereignis_datum"] = ["1950-05-01"]
        assert check_step(step, answers).valid


@pytest.mark.parametrize(
    ("relationship", "trust", "required"),
    [
        ("selbst", "high", set()),
        ("selbst", "low", {"ausweiskopie"}),
        ("geschwister", "high", {"interesse_begruendung"}),
        ("andere", "low", {"interesse_begruendung", "nachweis", "ausweiskopie"}),
    ],
)
def test_the_order_asks_for_what_the_rules_need(
    app: Flask, relationship: str, trust: str, required: set[str]
) -> None:
    answers = {
        "dokument": ["sterbeurkunde" if relationship == "geschwister" else "geburtsurkunde"],
        "beziehung": [relationship],
        "antragsteller_geburtsdatum": ["1980-01-01"],
        "ereignis_datum": ["2020-01-01"],
    }
    with app.test_request_context():
        assessment = order.assess(answers, AssessContext(trust_level=trust, today=TODAY))
    assert assessment.required == required
    assert not assessment.refusals
    assert assessment.notes


def test_the_order_refuses_on_the_relationship_question(app: Flask) -> None:
    answers = {
        "dokument": ["geburtsurkunde"],
        "beziehung": ["selbst"],
        "antragsteller_geburtsdatum": ["1980-01-01"],
    }
    with app.test_request_context():
        young = AssessContext(trust_level="high", birthdate=date(2012, 1, 1), today=TODAY)
        assert "16 Jahren" in order.assess(answers, young).refusals["beziehung"]
        archived = {**answers, "ereignis_datum": ["1900-01-01"]}
        high = AssessContext(trust_level="high", today=TODAY)
        refused = order.assess(archived, high).refusals["beziehung"]
        assert "Stadtarchiv" in refused


@pytest.mark.parametrize(
    ("document", "trust", "refused"),
    [
        ("geburtsurkunde", "low", False),  # lowered by the city: the ID copy instead
        ("sterbeurkunde", "substantial", False),
        ("eheurkunde", "low", True),
        ("registerausdruck-geburt", "substantial", True),
        ("eheurkunde", "high", False),
    ],
)
def test_a_document_not_lowered_is_refused_below_level_high(
    app: Flask, document: str, trust: str, refused: bool
) -> None:
    answers = {"dokument": [document]}
    with app.test_request_context():
        assessment = order.assess(answers, AssessContext(trust_level=trust, today=TODAY))
    assert ("dokument" in assessment.refusals) is refused
    if refused:
        message = assessment.refusals["dokument"]
        assert "nur mit dem Online-Ausweis" in message
        assert "(§ 6 Abs. 3 PStV)" in message
        assert message.endswith(
            "Ohne ihn können Sie online bestellen: Geburtsurkunde, Sterbeurkunde."
        )
        text, url = assessment.refusal_links["dokument"]
        assert url == "/urkunden/ohne-online-ausweis?next=/antraege/urkunden"
        assert text == "So bekommen Sie die Urkunde ohne Online-Ausweis"


def test_by_default_every_document_needs_level_high(regulation_app: Flask) -> None:
    with regulation_app.test_request_context():
        assert order.order_level() == "high"
        for document in ("geburtsurkunde", "sterbeurkunde"):
            low = order.assess({"dokument": [document]}, AssessContext(trust_level="low"))
            assert low.refusals["dokument"].endswith("(§ 6 Abs. 3 PStV).")
            high = order.assess({"dokument": [document]}, AssessContext(trust_level="high"))
            assert not high.refusals
        # Below it the explanation, with the way back to where the citizen was.
        assert order.below_level("high", "/antraege/urkunden/eintrag") == (
            "/urkunden/ohne-online-ausweis?next=/antraege/urkunden/eintrag"
        )


def test_the_order_fee_marks_the_search_fee(app: Flask) -> None:
    answers: dict[str, str | list[str]] = {
        "dokument": "geburtsurkunde",
        "anzahl": "3",
        "zweck": "persoenlich",
        "vorname": "Erika",
        "nachname": "Muster",
    }
    with app.test_request_context():
        fee = order.fee(answers)
        assert fee.total_cents == 1200 + 2 * 600 + 1200
        assert [item.code for item in fee.items] == ["", "", order.SEARCH]
        known = {**answers, "ereignis_datum": "1990-01-01", "eltern": "A und B"}
        assert order.fee(known).total_cents == 2400
        assert order.fee({**answers, "zweck": "rente"}).total_cents == 0
