"""The engine: definitions drive WTForms validation, conditions decide what is asked."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from server.auth.roles import Role
from server.formatting import city_today
from server.forms.definitions.kita import DEFINITION as KITA
from server.forms.engine import (
    Choice,
    Condition,
    Field,
    FieldKind,
    FormDefinition,
    Status,
    Step,
)
from server.forms.registry import DEFINITIONS, DuplicateDefinition, register_definition
from server.forms.validation import check_step, step_form, validate_all
from server.privacy import PrivacyNotice

TEST_PRIVACY = PrivacyNotice(
    controller="Testamt",
    purposes=("Zum Testen.",),
    legal_basis="Art. 6 Abs. 1 lit. e DSGVO",
    retention="Ein Jahr.",
    recipients=("Niemand.",),
)


def kita_answers(**changes: list[str]) -> dict[str, list[str]]:
    answers = {
        "kind_vorname": ["Mia"],
        "kind_nachname": ["Muster"],
        "kind_geburtsdatum": ["2024-03-01"],
        "eltern_vorname": ["Erika"],
        "eltern_nachname": ["Muster"],
        "eltern_strasse": ["Hauptstraße 5"],
        "eltern_plz_ort": ["12345 Musterstadt"],
        "eltern_email": ["erika@example.de"],
        "zweite_person": ["nein"],
        "beginn": [(city_today() + timedelta(days=1)).isoformat()],
        "umfang": ["35"],
        "kita_1": ["kita-regenbogen"],
        "besonderer_bedarf": ["nein"],
        "einwilligung_daten": ["ja"],
        "einwilligung_kitas": ["ja"],
    }
    answers.update(changes)
    return answers


def test_a_complete_registration_passes_and_is_cleaned(app_context: Flask) -> None:
    outcome = validate_all(KITA, kita_answers(kind_vorname=["  Mia  "]))
    assert outcome.errors == {}
    assert outcome.answers["kind_vorname"] == "Mia"
    assert outcome.answers["einwilligung_daten"] == "ja"
    assert "zweite_vorname" not in outcome.answers


def test_each_missing_answer_is_named_with_its_own_message(app_context: Flask) -> None:
    outcome = validate_all(KITA, {"zweite_person": ["nein"], "besonderer_bedarf": ["nein"]})
    assert outcome.errors["kind_vorname"] == ["Geben Sie den Vornamen Ihres Kindes an."]
    assert outcome.errors["einwilligung_kitas"] == [
        "Ohne diese Einwilligung können die Kitas Ihnen keinen Platz anbieten."
    ]
    assert outcome.first_error_step is not None
    assert outcome.first_error_step.slug == "kind"


def test_a_step_under_a_condition_is_asked_only_when_it_holds(app_context: Flask) -> None:
    without = kita_answers()
    assert "zweite-person" not in [s.slug for s in KITA.steps_shown(without)]
    with_second = kita_answers(zweite_person=["ja"])
    assert "zweite-person" in [s.slug for s in KITA.steps_shown(with_second)]
    outcome = validate_all(KITA, with_second)
    assert outcome.errors["zweite_vorname"] == ["Geben Sie den Vornamen der zweiten Person an."]
    assert outcome.first_error_step is not None
    assert outcome.first_error_step.slug == "zweite-person"
    # The step is skipped in navigation too.
    eltern = KITA.step("eltern")
    assert eltern is not None
    assert KITA.next_step(eltern, without).slug == "betreuung"  # type: ignore[union-attr]
    assert KITA.next_step(eltern, with_second).slug == "zweite-person"  # type: ignore[union-attr]


def test_a_question_under_a_condition_is_required_only_then(app_context: Flask) -> None:
    step = KITA.step("foerderbedarf")
    assert step is not None
    assert check_step(step, {"besonderer_bedarf": ["nein"]}).errors == {}
    needed = check_step(step, {"besonderer_bedarf": ["ja"]})
    assert needed.errors == {
        "bedarf_beschreibung": ["Beschreiben Sie den Förderbedarf Ihres Kindes."]
    }
    # An answer to a question that does not apply is dropped, not stored.
    dropped = check_step(step, {"besonderer_bedarf": ["nein"], "bedarf_beschreibung": ["x"]})
    assert "bedarf_beschreibung" not in dropped.answers


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"kind_geburtsdatum": ["2099-01-01"]}, "kind_geburtsdatum", "nicht in der Zukunft"),
        ({"kind_geburtsdatum": ["1.3.2024"]}, "kind_geburtsdatum", "Geben Sie ein Datum an"),
        ({"beginn": [city_today().isoformat()]}, "beginn", "muss in der Zukunft liegen"),
        ({"eltern_email": ["erika"]}, "eltern_email", "E-Mail-Adresse wie"),
        ({"eltern_telefon": ["call me"]}, "eltern_telefon", "Telefonnummer wie"),
        ({"eltern_plz_ort": ["Musterstadt"]}, "eltern_plz_ort", "fünfstellige Postleitzahl"),
        ({"umfang": ["60"]}, "umfang", "angebotenen Möglichkeiten"),
        ({"kita_1": ["kita-gibt-es-nicht"]}, "kita_1", "angebotenen Möglichkeiten"),
        ({"kita_2": ["kita-regenbogen"]}, "kita_2", "schon getroffen"),
        ({"kind_vorname": ["x" * 101]}, "kind_vorname", "Höchstens 100 Zeichen"),
        ({"einwilligung_daten": []}, "einwilligung_daten", "Ohne diese Einwilligung"),
    ],
)
def test_wrong_answers_are_refused_with_a_message(
    app_context: Flask, changes: dict[str, list[str]], field: str, message: str
) -> None:
    outcome = validate_all(KITA, kita_answers(**changes))
    assert field in outcome.errors, outcome.errors
    assert message in outcome.errors[field][0]
    assert len(outcome.errors) == 1


def test_the_step_form_is_a_wtforms_form_with_the_definitions_fields(app_context: Flask) -> None:
    step = KITA.step("kitas")
    assert step is not None
    form = step_form(step, MultiDict({"kita_1": "", "kita_2": "kita-regenbogen"}))
    assert [f.name for f in form] == ["kita_1", "kita_2", "kita_3"]
    assert not form.validate()
    assert form.errors == {"kita_1": ["Wählen Sie mindestens eine Wunsch-Kita."]}
    assert form.kita_1.choices[0].label == "Bitte wählen"


def test_messages_follow_the_language(app_context: Flask) -> None:
    from flask_babel import force_locale

    with force_locale("en"):
        outcome = validate_all(KITA, kita_answers(eltern_email=["erika"]))
    assert outcome.errors["eltern_email"][0]  # a message in any case, never an empty list


def _tiny(**step_fields: Field) -> FormDefinition:
    return FormDefinition(
        slug="test",
        title="Test",
        summary="",
        role=Role.ADMIN,
        reference_prefix="T",
        steps=(Step("eins", "Eins", tuple(step_fields.values())),),
        statuses=(Status("neu", "Neu"),),
        privacy=TEST_PRIVACY,
    )


def test_checkboxes_respect_their_maximum(app_context: Flask) -> None:
    colours = tuple(Choice(c, c) for c in ("rot", "gelb", "blau"))
    definition = _tiny(
        farben=Field("farben", FieldKind.CHECKBOXES, "Farben", choices=colours, max_choices=2)
    )
    assert validate_all(definition, {"farben": ["rot", "blau"]}).answers == {
        "farben": ["rot", "blau"]
    }
    refused = validate_all(definition, {"farben": ["rot", "gelb", "blau"]})
    assert refused.errors == {"farben": ["Wählen Sie höchstens 2."]}


def test_required_files_count_what_the_draft_holds(app_context: Flask) -> None:
    definition = DEFINITIONS["belege-nachreichen"]
    step = definition.step("belege")
    assert step is not None
    assert check_step(step, {}).errors == {"belege": ["Laden Sie mindestens einen Beleg hoch."]}
    assert check_step(step, {}, {"belege": 2}).errors == {}
    assert check_step(step, {}, {"belege": 11}).errors == {
        "belege": ["Höchstens 10 Dateien für diese Frage."]
    }


def test_definitions_with_mistakes_are_refused_when_loaded() -> None:
    text = Field("a", FieldKind.TEXT, "A")
    with pytest.raises(ValueError, match="used twice"):
        FormDefinition(
            slug="x",
            title="X",
            summary="",
            role=Role.ADMIN,
            reference_prefix="X",
            steps=(Step("s1", "S", (text,)), Step("s2", "S", (text,))),
            statuses=(Status("neu", "Neu"),),
            privacy=TEST_PRIVACY,
        )
    with pytest.raises(ValueError, match="unknown"):
        _tiny(b=Field("b", FieldKind.TEXT, "B", when=Condition("nope", ("ja",))))
    with pytest.raises(ValueError, match="reserved"):
        FormDefinition(
            slug="x",
            title="X",
            summary="",
            role=Role.ADMIN,
            reference_prefix="X",
            steps=(Step("pruefen", "S", (text,)),),
            statuses=(Status("neu", "Neu"),),
            privacy=TEST_PRIVACY,
        )


def test_every_service_names_its_receiving_role_and_statuses(app_context: Flask) -> None:
    assert set(DEFINITIONS) == {
        "kita-anmeldung",
        "kontakt",
        "belege-nachreichen",
        "urkunden",
        "barrierefreiheit-feedback",
        "maengelmelder",
        "briefwahl",
        "meldebescheinigung",
        "bewohnerparkausweis",
        "hundesteuer",
        "sperrmuell",
        "hundesteuer-abmeldung",
    }
    assert DEFINITIONS["urkunden"].role == Role.REGISTRY_OFFICE
    assert KITA.role == Role.YOUTH_OFFICE
    assert [s.value for s in KITA.statuses] == ["eingegangen", "angebot", "zugesagt", "abgelehnt"]
    assert DEFINITIONS["kontakt"].role == Role.CITIZEN_OFFICE
    assert DEFINITIONS["barrierefreiheit-feedback"].role == Role.CITIZEN_OFFICE
    assert DEFINITIONS["maengelmelder"].role == Role.PUBLIC_WORKS
    assert DEFINITIONS["briefwahl"].role == Role.ELECTION_OFFICE
    assert DEFINITIONS["meldebescheinigung"].role == Role.CITIZEN_OFFICE
    assert DEFINITIONS["meldebescheinigung"].level_to_order() == "high"
    assert DEFINITIONS["bewohnerparkausweis"].role == Role.TRAFFIC_OFFICE
    assert DEFINITIONS["hundesteuer"].role == Role.TAX_OFFICE
    assert DEFINITIONS["sperrmuell"].role == Role.PUBLIC_WORKS
    assert DEFINITIONS["hundesteuer-abmeldung"].role == Role.TAX_OFFICE
    assert DEFINITIONS["hundesteuer-abmeldung"].login_level == "low"


def test_a_slug_is_registered_once(app_context: Flask) -> None:
    register_definition(KITA)  # the same definition again: every app built runs init_forms
    assert DEFINITIONS["kita-anmeldung"] is KITA
    with pytest.raises(DuplicateDefinition, match="kita-anmeldung"):
        register_definition(replace(_tiny(), slug="kita-anmeldung"))
    assert DEFINITIONS["kita-anmeldung"] is KITA


def test_a_definition_without_a_privacy_notice_cannot_be_built() -> None:
    """Art. 13 DSGVO: no service goes online without saying what happens to the data."""
    parts: dict[str, Any] = {
        "slug": "x",
        "title": "X",
        "summary": "",
        "role": Role.ADMIN,
        "reference_prefix": "X",
        "steps": (Step("s1", "S", (Field("a", FieldKind.TEXT, "A"),)),),
        "statuses": (Status("neu", "Neu"),),
    }
    with pytest.raises(TypeError, match="privacy"):
        FormDefinition(**parts)
    with pytest.raises(TypeError, match="privacy"):
        # What the annotation forbids, as a form module without a notice would pass it.
        FormDefinition(**parts, privacy=None)  # type: ignore[arg-type]
    assert FormDefinition(**parts, privacy=TEST_PRIVACY).privacy is TEST_PRIVACY


def test_a_privacy_notice_names_everything_art_13_asks_for() -> None:
    with pytest.raises(TypeError):
        PrivacyNotice(controller="Amt", purposes=("Zweck.",))  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="recipients"):
        PrivacyNotice(
            controller="Amt",
            purposes=("Zweck.",),
            legal_basis="§ 1",
            retention="Ein Jahr.",
            recipients=(),
        )
