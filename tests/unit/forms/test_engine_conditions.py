"""Conditions in the engine: a question or a choice under a condition is on the step page only
when it applies to the answers so far (or for the browser to decide), a choice that does not
apply is refused, and "Schritt n von m" never grows as the citizen goes on."""

from __future__ import annotations

import pytest
from flask import Flask

from server.auth.roles import Role
from server.forms.engine import (
    Assessment,
    Choice,
    Condition,
    Field,
    FieldKind,
    FormDefinition,
    RawAnswers,
    Status,
    Step,
)
from server.forms.validation import check_step, live_parts, step_form
from tests.unit.forms.test_engine import TEST_PRIVACY

KIND = Field(
    "art",
    FieldKind.RADIO,
    "Art",
    choices=(Choice("a", "A"), Choice("b", "B")),
)
# On the same page as its condition: the browser shows and hides it.
MORE = Field("mehr", FieldKind.TEXT, "Mehr zu A", when=Condition("art", ("a",)))
ONLY_A = Field("nur_a", FieldKind.TEXT, "Nur bei A", when=Condition("art", ("a",)))
ROLE = Field(
    "rolle",
    FieldKind.RADIO,
    "Rolle",
    choices=(Choice("x", "Nur bei A", when=Condition("art", ("a",))), Choice("y", "Immer")),
)


def service(**extra: object) -> FormDefinition:
    steps = (
        Step("art", "Art", (KIND, MORE)),
        Step("details", "Details", (Field("name", FieldKind.TEXT, "Name"), ONLY_A, ROLE)),
        Step("extra", "Extra", (Field("extra", FieldKind.TEXT, "Extra"),), when=ROLE_Y),
        Step("ende", "Ende", (Field("ok", FieldKind.TEXT, "OK"),)),
    )
    return FormDefinition(
        slug="bedingt",
        title="Bedingt",
        summary="",
        role=Role.CITIZEN_OFFICE,
        reference_prefix="B",
        steps=extra.pop("steps", steps),  # type: ignore[arg-type]
        statuses=(Status("neu", "Neu"),),
        privacy=TEST_PRIVACY,
    )


ROLE_Y = Condition("rolle", ("y",))


def step_of(definition: FormDefinition, slug: str) -> Step:
    step = definition.step(slug)
    assert step is not None
    return step


def rendered(step: Step, answers: RawAnswers | None) -> list[str]:
    return [field.name for field in step_form(step, answers=answers)]


def choices(step: Step, answers: RawAnswers | None, name: str) -> list[str]:
    return [option.data for option in step_form(step, answers=answers)[name]]


def test_a_question_under_an_earlier_answer_is_on_the_page_only_when_it_applies(
    app_context: Flask,
) -> None:
    details = step_of(service(), "details")
    assert rendered(details, {"art": ["b"]}) == ["name", "rolle"]
    assert rendered(details, {"art": ["a"]}) == ["name", "nur_a", "rolle"]
    # A page the same for everyone: the browser decides with its draft.
    assert rendered(details, None) == ["name", "nur_a", "rolle"]
    # A question under an answer on its own page is always there, for the browser to show or
    # hide as the answer changes; the server asks it only when it applies.
    art = step_of(service(), "art")
    assert rendered(art, {"art": ["b"]}) == ["art", "mehr"]
    assert check_step(art, {"art": ["b"]}).errors == {}
    assert check_step(art, {"art": ["a"]}).errors == {"mehr": ["Geben Sie an: Mehr zu A"]}


def test_a_choice_under_a_condition_is_offered_and_accepted_only_when_it_holds(
    app_context: Flask,
) -> None:
    details = step_of(service(), "details")
    assert choices(details, {"art": ["a"]}, "rolle") == ["x", "y"]
    assert choices(details, {"art": ["b"]}, "rolle") == ["y"]
    assert choices(details, None, "rolle") == ["x", "y"]
    refused = check_step(details, {"art": ["b"], "name": ["N"], "rolle": ["x"]})
    assert refused.errors == {"rolle": ["Wählen Sie eine der angebotenen Möglichkeiten."]}
    accepted = check_step(details, {"art": ["a"], "name": ["N"], "nur_a": ["n"], "rolle": ["x"]})
    assert accepted.errors == {}
    assert accepted.answers["rolle"] == "x"


def test_a_condition_on_two_answers_is_decided_part_by_part(app_context: Flask) -> None:
    both = Condition("rolle", ("y",), also=Condition("art", ("a",)))
    steps = (
        Step("art", "Art", (KIND,)),
        Step(
            "details",
            "Details",
            (ROLE, Field("beides", FieldKind.TEXT, "Bei A und Y", when=both)),
        ),
    )
    details = step_of(service(steps=steps), "details")
    on_page = {"rolle", "beides"}
    # The earlier answer is the server's to decide, the one on the page the browser's.
    assert rendered(details, {"art": ["b"]}) == ["rolle"]
    assert rendered(details, {"art": ["a"]}) == ["rolle", "beides"]
    assert live_parts(both, {"art": ["a"]}, on_page) == (Condition("rolle", ("y",)),)
    assert live_parts(both, None, on_page) == (Condition("rolle", ("y",)), Condition("art", ("a",)))
    assert check_step(details, {"art": ["a"], "rolle": ["y"]}).errors == {
        "beides": ["Geben Sie an: Bei A und Y"]
    }
    assert check_step(details, {"art": ["b"], "rolle": ["y"]}).errors == {}
    with pytest.raises(ValueError, match="one answer"):
        service(
            steps=(*steps, Step("ende", "Ende", (Field("ok", FieldKind.TEXT, "OK"),), when=both))
        )


def walk_counts(definition: FormDefinition, final: dict[str, list[str]]) -> list[tuple[int, int]]:
    """The counter on each step the citizen meets, answering step by step."""
    answers: dict[str, list[str]] = {}
    counts = []
    step: Step | None = definition.steps[0]
    while step is not None:
        counts.append(definition.progress(step, answers, Assessment()))
        answers.update({f.name: final[f.name] for f in step.fields if f.name in final})
        step = definition.next_step(step, answers, Assessment())
    return counts


def test_the_step_counter_never_grows_on_the_way(app_context: Flask) -> None:
    definition = service()
    # "extra" depends on an answer of the next step: it counts until that answer is given.
    with_extra = {"art": ["a"], "mehr": ["m"], "name": ["N"], "rolle": ["y"], "ok": ["k"]}
    assert walk_counts(definition, with_extra) == [(1, 4), (2, 4), (3, 4), (4, 4)]
    without = {**with_extra, "rolle": ["x"]}
    assert walk_counts(definition, without) == [(1, 4), (2, 4), (3, 3)]
    # A page the same for everyone counts every step.
    assert definition.progress(step_of(definition, "ende"), None) == (4, 4)


def test_an_assessed_step_counts_until_the_rules_can_tell(app_context: Flask) -> None:
    proof = Field("beleg", FieldKind.TEXT, "Beleg", required=False, assessed=True)
    definition = service(
        steps=(
            Step("a", "A", (Field("wer", FieldKind.TEXT, "Wer"),)),
            Step("b", "B", (proof,), assessed=True),
            Step("c", "C", (Field("ok", FieldKind.TEXT, "OK"),)),
        )
    )
    first, last = step_of(definition, "a"), step_of(definition, "c")
    assert definition.progress(first, {}, Assessment(settled=False)) == (1, 3)
    assert definition.progress(first, {}, Assessment(required=frozenset({"beleg"}))) == (1, 3)
    assert definition.progress(first, {}, Assessment()) == (1, 2)
    assert definition.progress(last, {"wer": ["w"]}, Assessment()) == (2, 2)


@pytest.mark.parametrize(
    "steps",
    [
        # A step under an answer asked only after it.
        (
            Step(
                "a", "A", (Field("eins", FieldKind.TEXT, "Eins"),), when=Condition("zwei", ("j",))
            ),
            Step("b", "B", (Field("zwei", FieldKind.TEXT, "Zwei"),)),
        ),
        # A step under an answer on its own page.
        (Step("a", "A", (Field("eins", FieldKind.TEXT, "Eins"),), when=Condition("eins", ("j",))),),
        # A choice under a later answer.
        (
            Step(
                "a",
                "A",
                (
                    Field(
                        "eins",
                        FieldKind.RADIO,
                        "Eins",
                        choices=(Choice("j", "J", when=Condition("zwei", ("j",))),),
                    ),
                ),
            ),
            Step("b", "B", (Field("zwei", FieldKind.TEXT, "Zwei"),)),
        ),
        # A question under its own answer.
        (Step("a", "A", (Field("eins", FieldKind.TEXT, "E", when=Condition("eins", ("j",))),)),),
    ],
)
def test_a_condition_must_rest_on_an_answer_given_before(steps: tuple[Step, ...]) -> None:
    with pytest.raises(ValueError, match="not asked before"):
        service(steps=steps)
