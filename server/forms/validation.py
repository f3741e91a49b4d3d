"""WTForms built from a definition: one form class per step, validating raw answers.

The browser is never trusted: the same functions check a step as the citizen goes, and every
step again at submission (``validate_all``). Every message is German (translated on display) and
belongs to a field, so it can be shown next to the field and in the error summary.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms import (
    Field as WTField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from server.formatting import city_today
from server.forms.engine import (
    CHOICE_KINDS,
    NO_ASSESSMENT,
    AssessContext,
    Assessment,
    Choice,
    CleanAnswers,
    Condition,
    DateRule,
    Field,
    FieldKind,
    FormDefinition,
    RawAnswers,
    Step,
    parse_date,
)
from server.portal_form import PortalForm

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()/-]{4,28}[0-9]$")
OLDEST_DATE = date(1900, 1, 1)


class StepForm(PortalForm):
    """A step's form. CSRF is checked for every POST by ``CSRFProtect`` already, and the same
    form validates answers that come from a draft rather than a request."""

    class Meta:
        csrf = False


@dataclass
class Outcome:
    answers: CleanAnswers = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors


def _missing(spec: Field) -> str:
    if spec.required_message:
        return str(spec.required_message)
    if spec.kind in CHOICE_KINDS:
        return str(_l("Wählen Sie aus: %(label)s", label=spec.label))
    if spec.kind == FieldKind.FILES:
        return str(_l("Laden Sie mindestens eine Datei hoch: %(label)s", label=spec.label))
    return str(_l("Geben Sie an: %(label)s", label=spec.label))


def _check(spec: Field, values: list[str], answers: RawAnswers, files: int) -> str | None:
    """The first problem with this field's answer, or None."""
    present = [value for value in values if value.strip()]
    if spec.kind == FieldKind.FILES:
        return _check_files(spec, files)
    if spec.kind == FieldKind.CONSENT:
        return _missing(spec) if spec.required and not present else None
    if not present:
        return _missing(spec) if spec.required else None
    return next(_problems(spec, present, answers), None)


def _check_files(spec: Field, files: int) -> str | None:
    if spec.required and files == 0:
        return _missing(spec)
    if files > spec.max_files:
        return str(_l("Höchstens %(count)s Dateien für diese Frage.", count=spec.max_files))
    return None


def _problems(spec: Field, present: list[str], answers: RawAnswers) -> Iterator[str]:
    """The problems with a given answer, in the order they are reported (the first one is)."""
    value = present[0].strip()
    if spec.kind in CHOICE_KINDS:
        yield from _choice_problems(spec, present, answers)
    elif len(value) > spec.max_length:
        yield str(_l("Höchstens %(count)s Zeichen.", count=spec.max_length))
    yield from _format_problems(spec, value, answers)
    for other in spec.distinct_from:
        if value and value in [v.strip() for v in answers.get(other, ())]:
            yield str(_l("Diese Auswahl haben Sie schon getroffen. Wählen Sie eine andere."))


def _choice_problems(spec: Field, present: list[str], answers: RawAnswers) -> Iterator[str]:
    # A choice under a condition is allowed only when the condition holds (not offered else).
    allowed = {choice.value for choice in spec.choices_for(answers)}
    if any(v not in allowed for v in present):
        yield str(_l("Wählen Sie eine der angebotenen Möglichkeiten."))
    if spec.kind != FieldKind.CHECKBOXES and len(present) > 1:
        yield str(_l("Wählen Sie nur eine Möglichkeit."))
    if spec.max_choices and len(set(present)) > spec.max_choices:
        yield str(_l("Wählen Sie höchstens %(count)s.", count=spec.max_choices))


def _format_problems(spec: Field, value: str, answers: RawAnswers) -> Iterator[str]:
    if spec.kind == FieldKind.EMAIL and not EMAIL.match(value):
        yield str(_l("Geben Sie eine E-Mail-Adresse wie name@example.de an."))
    if spec.kind == FieldKind.PHONE and not PHONE.match(value):
        yield str(_l("Geben Sie eine Telefonnummer wie 0123 456789 an."))
    if spec.kind == FieldKind.DATE:
        yield from _date_problems(spec, value, answers)
    if spec.pattern and not re.fullmatch(spec.pattern[0], value):
        yield str(spec.pattern[1])


def _date_problems(spec: Field, value: str, answers: RawAnswers) -> Iterator[str]:
    problem = _check_date(value, spec.date_rule)
    if problem:
        yield problem
    if spec.not_before is not None:
        other, message = spec.not_before
        earlier = parse_date(next(iter(answers.get(other, ())), "").strip())
        day = parse_date(value)
        if earlier is not None and day is not None and day < earlier:
            yield str(message)


def _check_date(value: str, rule: DateRule | None) -> str | None:
    day = parse_date(value)
    if day is None:
        return str(_l("Geben Sie ein Datum an, zum Beispiel 2026-08-01."))
    if day < OLDEST_DATE:
        return str(_l("Bitte prüfen Sie das Jahr."))
    if rule == DateRule.PAST and day > city_today():
        return str(_l("Das Datum darf nicht in der Zukunft liegen."))
    if rule == DateRule.FUTURE and day <= city_today():
        return str(_l("Das Datum muss in der Zukunft liegen."))
    return None


def _clean(spec: Field, values: list[str]) -> str | list[str] | None:
    present = [value.strip() for value in values if value.strip()]
    if spec.kind == FieldKind.FILES or not present:
        return None
    if spec.kind == FieldKind.CHECKBOXES:
        return list(dict.fromkeys(present))
    if spec.kind == FieldKind.CONSENT:
        return "ja"
    if spec.kind == FieldKind.DATE:
        day = parse_date(present[0])
        return day.isoformat() if day else None
    return present[0]


class _Answer:
    """The WTForms validator of one question: the definition's rules, with the other answers
    at hand for conditions and cross-field checks."""

    def __init__(self, spec: Field, answers: RawAnswers, files: int) -> None:
        self.spec, self.answers, self.files = spec, answers, files

    def __call__(self, form: StepForm, wtfield: WTField) -> None:
        values = [v for v in (wtfield.raw_data or []) if isinstance(v, str)]
        problem = _check(self.spec, values, self.answers, self.files)
        if problem:
            raise StopValidation(problem)


def _wtforms_field(spec: Field, validators: list[Any], offered: tuple[Choice, ...] = ()) -> Any:
    """The WTForms field that renders and validates this question; ``offered``: the choices
    to render."""
    if spec.kind in _INPUT_TYPES:
        render = _typing_attributes(spec, maxlength=spec.max_length, **_INPUT_TYPES[spec.kind])
        if spec.pattern:
            render["pattern"] = spec.pattern[0]
        return StringField(spec.label, validators, render_kw=render)
    if spec.kind == FieldKind.TEXTAREA:
        render = _typing_attributes(spec, rows=5, maxlength=spec.max_length)
        return TextAreaField(spec.label, validators, render_kw=render)
    if spec.kind in CHOICE_KINDS:
        return _choice_field(spec, validators, offered)
    if spec.kind == FieldKind.CONSENT:
        return BooleanField(spec.label, validators, false_values=("", "false", "0", "nein"))
    accept = {"image": "image/jpeg,image/png,image/webp", "pdf": "application/pdf"}
    return MultipleFileField(
        spec.label, validators, render_kw={"accept": ",".join(accept[kind] for kind in spec.accept)}
    )


# The one-line inputs, with what tells the browser (and its keyboard) what to expect.
_INPUT_TYPES: dict[FieldKind, dict[str, str]] = {
    FieldKind.TEXT: {},
    FieldKind.EMAIL: {"type": "email", "inputmode": "email", "spellcheck": "false"},
    FieldKind.PHONE: {"type": "tel", "inputmode": "tel"},
    FieldKind.DATE: {"type": "date"},
}


def _typing_attributes(spec: Field, **attributes: Any) -> dict[str, Any]:
    """The HTML attributes of a question answered by typing: an input or a text area."""
    render: dict[str, Any] = {}
    if spec.autocomplete:
        render["autocomplete"] = spec.autocomplete
    render.update(attributes)
    if spec.required:
        render["required"] = True
    return render


def _choice_field(spec: Field, validators: list[Any], offered: tuple[Choice, ...]) -> Any:
    choices = [SelectChoice(c.value, str(c.label)) for c in offered]
    if spec.kind == FieldKind.RADIO:
        return RadioField(spec.label, validators, choices=choices, validate_choice=False)
    if spec.kind == FieldKind.SELECT:
        return SelectField(
            spec.label,
            validators,
            choices=[SelectChoice("", str(_l("Bitte wählen"))), *choices],
            validate_choice=False,
            render_kw={"required": True} if spec.required else None,
        )
    return SelectMultipleField(
        spec.label,
        validators,
        choices=choices,
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


def effective(spec: Field, assessment: Assessment) -> Field:
    """The question as the assessment makes it: an assessed question it requires is required."""
    return replace(spec, required=True) if spec.name in assessment.required else spec


def step_form(
    step: Step,
    formdata: MultiDict[str, Any] | None = None,
    answers: RawAnswers | None = None,
    files: Mapping[str, int] | None = None,
    assessment: Assessment = NO_ASSESSMENT,
) -> StepForm:
    """The WTForms form of ``step``, validating the questions that apply to ``answers`` (which
    hold the earlier steps' answers too; None: only ``formdata``'s, a page the same for
    everyone). It renders what ``rendered`` says; assessed questions only when the assessment
    asks for them."""
    known = answers if answers is not None else (formdata or MultiDict())
    shown = {spec.name for spec in step.fields_shown(known, assessment)}
    counts = files or {}
    on_page = {spec.name for spec in step.fields}
    attributes: dict[str, Any] = {
        spec.name: _wtforms_field(
            effective(spec, assessment),
            [_Answer(effective(spec, assessment), known, counts.get(spec.name, 0))]
            if spec.name in shown
            else [],
            rendered_choices(spec, answers, on_page),
        )
        for spec in step.fields
        if (not spec.assessed or spec.name in shown) and rendered(spec, answers, on_page)
    }
    form_class: type[StepForm] = type(
        f"StepForm_{step.slug.replace('-', '_')}", (StepForm,), attributes
    )
    return form_class(formdata=formdata)


def decided_here(condition: Condition, answers: RawAnswers | None, on_page: set[str]) -> bool:
    """Whether the server decides (a part of) a condition for the page: it rests on an earlier
    step's answer and the answers are known. Else the page carries it, and js/drafts-fields.js
    shows or hides what depends on it as the answer on the page (or in the browser's draft)
    changes; without JavaScript a question under a condition on its own page is shown."""
    return answers is not None and condition.field not in on_page


def live_parts(
    condition: Condition | None, answers: RawAnswers | None, on_page: set[str]
) -> tuple[Condition, ...]:
    """The parts of a condition the page carries for the browser to decide."""
    if condition is None:
        return ()
    return tuple(part for part in condition.parts if not decided_here(part, answers, on_page))


def applies_here(
    condition: Condition | None, answers: RawAnswers | None, on_page: set[str]
) -> bool:
    """Whether what depends on the condition is on the page: every part the server decides
    holds."""
    return condition is None or all(
        answers is None or part.holds(answers)
        for part in condition.parts
        if decided_here(part, answers, on_page)
    )


def rendered(spec: Field, answers: RawAnswers | None, on_page: set[str]) -> bool:
    """Whether the step page renders the question: not when the server decides that its
    condition does not hold."""
    return applies_here(spec.when, answers, on_page)


def rendered_choices(
    spec: Field, answers: RawAnswers | None, on_page: set[str]
) -> tuple[Choice, ...]:
    """The choices the step page renders: not those whose condition the server decides does
    not hold."""
    offered = spec.choices_from(answers or {}) if spec.choices_from else spec.choice_list()
    return tuple(c for c in offered if applies_here(c.when, answers, on_page))


def values_of(answers: RawAnswers, name: str) -> list[str]:
    return [str(value) for value in answers.get(name, ())]


def check_step(
    step: Step,
    answers: RawAnswers,
    files: Mapping[str, int] | None = None,
    assessment: Assessment = NO_ASSESSMENT,
) -> Outcome:
    """Validate the fields of ``step`` that apply to ``answers`` by the rules the step's
    WTForms form runs (``_Answer``); what the assessment refuses is an error of its field."""
    # The rules straight, without building the step's form from the answers: a step sent and
    # the check page (every step again) cost a form each otherwise, and the form adds nothing
    # to the rules (no choice checks of its own, its filters touch the data, not the raw
    # values). Its messages first, then the refusals, as the form's errors came first.
    counts = files or {}
    shown = step.fields_shown(answers, assessment)
    outcome = Outcome()
    for spec in shown:
        rules = effective(spec, assessment)
        problem = _check(rules, values_of(answers, spec.name), answers, counts.get(spec.name, 0))
        if problem:
            outcome.errors[spec.name] = [problem]
    for spec in shown:
        refusal = assessment.refusals.get(spec.name)
        if refusal and spec.name not in outcome.errors:
            outcome.errors[spec.name] = [str(refusal)]
        if spec.name in outcome.errors:
            continue
        cleaned = _clean(spec, values_of(answers, spec.name))
        if cleaned is not None:
            outcome.answers[spec.name] = cleaned
    return outcome


@dataclass
class FullOutcome(Outcome):
    first_error_step: Step | None = None
    assessment: Assessment = NO_ASSESSMENT


def validate_all(
    definition: FormDefinition,
    answers: RawAnswers,
    files: Mapping[str, int] | None = None,
    context: AssessContext | None = None,
) -> FullOutcome:
    """Every step that applies to ``answers``, as at submission, with the assessment of the
    whole answers."""
    outcome = FullOutcome()
    assessment = definition.assessment(answers, context or AssessContext())
    outcome.assessment = assessment
    for step in definition.steps_shown(answers, assessment):
        checked = check_step(step, answers, files, assessment)
        outcome.answers.update(checked.answers)
        outcome.errors.update(checked.errors)
        if checked.errors and outcome.first_error_step is None:
            outcome.first_error_step = step
    return outcome


def show_errors(form: StepForm, errors: Mapping[str, list[str]]) -> None:
    """Put the engine's messages on the WTForms fields, for the templates' macros."""
    for name, messages in errors.items():
        if name in form:
            form[name].errors = list(messages)


def raw_from(formdata: MultiDict[str, Any], names: set[str]) -> dict[str, list[str]]:
    """The posted values of ``names`` (files excluded), as the engine keeps them."""
    return {name: [str(v) for v in formdata.getlist(name)] for name in names if name in formdata}
