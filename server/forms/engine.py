"""The declarative form engine: what a service definition is made of, and how its steps follow
each other.

A service (*Verwaltungsleistung*, one of the OZG services the city brings online) is a
``FormDefinition``: short steps (one topic per page), each with its fields; a field or a whole
step may depend on an earlier answer (``Condition``). The same definition drives the WTForms
validation (``server.forms.validation``), the HTML (``pwa/templates/views/forms/``) and the PDF
receipt (``server.forms.receipt``). Answers travel as raw strings, exactly as a browser posts
them (``RawAnswers``: field name → list of values), so the server can validate everything again
whenever it wants; field names are unique across the whole service.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from server.auth.roles import Role
from server.formatting import city_today
from server.privacy import PrivacyNotice

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from server.forms.models import FormSubmission

# What a browser posted for a service, field by field (repeated names give several values).
RawAnswers = Mapping[str, Sequence[str]]
# What the server accepted: one string, or a list for repeated values; only shown fields.
CleanAnswers = dict[str, str | list[str]]


class FieldKind(StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    EMAIL = "email"
    PHONE = "tel"
    DATE = "date"
    RADIO = "radio"
    SELECT = "select"
    CHECKBOXES = "checkboxes"
    CONSENT = "consent"  # one box that must be ticked to go on
    FILES = "files"


CHOICE_KINDS = (FieldKind.RADIO, FieldKind.SELECT, FieldKind.CHECKBOXES)


@dataclass(frozen=True)
class Condition:
    """Holds when the answer to ``field`` is one of ``values`` (for repeated values: contains
    one of them). The field is asked before the question, choice or step that depends on it:
    on an earlier step, or for a question or choice on the same page (shown and hidden there as
    the answer changes)."""

    field: str
    values: tuple[str, ...]
    # And this one too (a question, not a step): e.g. asked after one answer on its own page,
    # and only for some answers of an earlier step.
    also: Condition | None = None

    def holds(self, answers: RawAnswers) -> bool:
        own = any(value in self.values for value in answers.get(self.field, ()))
        return own and (self.also is None or self.also.holds(answers))

    @property
    def parts(self) -> tuple[Condition, ...]:
        """Each answer the condition rests on, as a condition of its own."""
        own = Condition(self.field, self.values)
        return (own, *self.also.parts) if self.also is not None else (own,)


@dataclass(frozen=True)
class Choice:
    value: str
    label: LazyString | str
    when: Condition | None = None  # offered only when this holds


class DateRule(StrEnum):
    PAST = "past"  # today or earlier (a birth date)
    FUTURE = "future"  # tomorrow or later (a desired start)


@dataclass(frozen=True)
class Field:
    """One question. ``name`` is unique across the whole service and stable: drafts, the JSON
    answers of the contract and stored submissions use it."""

    name: str
    kind: FieldKind
    label: LazyString | str
    hint: LazyString | str | None = None
    required: bool = True
    # The message when a required answer is missing; shown next to the field and on top.
    required_message: LazyString | str | None = None
    max_length: int = 200
    pattern: tuple[str, LazyString | str] | None = None  # regex the whole answer must match
    choices: tuple[Choice, ...] | Callable[[], tuple[Choice, ...]] = ()
    # Choices that depend on earlier answers and on what is still free (the pickup days of the
    # address's district): asked with the answers whenever the question is shown or checked.
    # ``choices`` then only names values for display (None: the value itself, a date in words).
    choices_from: Callable[[RawAnswers], tuple[Choice, ...]] | None = None
    # The choices are days (ISO dates, a pickup day): read as a date in words where no choice
    # names them, and filtered by a date range in the back office.
    day_choices: bool = False
    max_choices: int | None = None  # checkboxes: at most this many
    date_rule: DateRule | None = None
    distinct_from: tuple[str, ...] = ()  # the answer must differ from these fields' answers
    when: Condition | None = None  # asked only when this holds
    prefill: str | None = None  # attribute of the logged-in citizen (see prefill.py)
    autocomplete: str | None = None
    accept: tuple[str, ...] = ("image", "pdf")  # files: the kinds of content accepted
    max_files: int = 5  # files: per question
    facet: str | None = None  # the back office filters submissions by this name
    # What the back office calls the answer in its list and filters: a short noun for clerks
    # ("Kita-Wunsch", "Beginn"), not the question put to the citizen. Default: the label.
    clerk_label: LazyString | str | None = None
    receipt: bool = True  # printed on the receipt and the check-answers page
    # A date that must not lie before the date answered in another field (a death not before
    # the birth): (that field's name, the message).
    not_before: tuple[str, LazyString | str] | None = None
    # Asked only when the definition's assessment requires it (see ``Assessment``).
    assessed: bool = False
    # A position the phone can fill in: a button next to the text field asks the browser for
    # its location (js/geolocate.js) and writes "latitude, longitude"; typing stays possible.
    locate: bool = False

    @property
    def column_label(self) -> LazyString | str:
        """The answer's name in the back office."""
        return self.clerk_label or self.label

    def choice_list(self) -> tuple[Choice, ...]:
        return self.choices() if callable(self.choices) else self.choices

    def choices_for(self, answers: RawAnswers) -> tuple[Choice, ...]:
        """The choices offered for these answers: those without a condition or whose condition
        holds."""
        offered = self.choices_from(answers) if self.choices_from else self.choice_list()
        return tuple(c for c in offered if c.when is None or c.when.holds(answers))

    def conditions(self) -> tuple[Condition, ...]:
        """Every condition of the question, part by part: its own and its choices'."""
        own = self.when.parts if self.when is not None else ()
        return own + tuple(part for c in self.choice_list() if c.when for part in c.when.parts)

    @property
    def dated(self) -> bool:
        """The answer is a day: the back office filters it by a date range."""
        return self.kind == FieldKind.DATE or self.day_choices

    def choice_label(self, value: str) -> str:
        return next((str(c.label) for c in self.choice_list() if c.value == value), value)

    @property
    def repeated(self) -> bool:
        return self.kind in (FieldKind.CHECKBOXES, FieldKind.FILES)


@dataclass(frozen=True)
class AssessContext:
    """What an assessment may know besides the answers: who is asking. ``birthdate`` only when
    an identity provider vouched for it."""

    trust_level: str | None = None
    birthdate: date | None = None
    today: date = field(default_factory=city_today)
    # The logged-in citizen's id (None: nobody logged in), for rules about what they sent
    # before (a dog deregistered must be one they registered).
    citizen_id: int | None = None


@dataclass(frozen=True)
class Assessment:
    """What the rules of a service make of the answers so far (an eligibility check): which
    ``assessed`` questions must be answered, which answers the rules refuse (field name →
    message, shown as that field's error), and what the citizen is told on the assessed step."""

    required: frozenset[str] = frozenset()
    refusals: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    # False while an answer the rules need is still missing: an assessed step may yet come
    # (the step counter counts it until the rules can tell).
    settled: bool = True
    # Where a refusal is explained further, by field name: (link text, URL), shown with the
    # refusal on its step (e.g. the other ways to get what the rules refuse online).
    refusal_links: Mapping[str, tuple[str, str]] = field(default_factory=dict)


NO_ASSESSMENT = Assessment()
Assess = Callable[[RawAnswers, AssessContext], Assessment]


@dataclass(frozen=True)
class Step:
    slug: str  # the URL part: /antraege/<service>/<step>
    title: LazyString | str
    fields: tuple[Field, ...]
    intro: LazyString | str | None = None
    when: Condition | None = None
    assessed: bool = False  # shows the assessment's notes

    def shown(self, answers: RawAnswers, assessment: Assessment | None = None) -> bool:
        """Applies to these answers; a step whose questions the assessment all leaves out is
        skipped."""
        if self.when is not None and not self.when.holds(answers):
            return False
        return assessment is None or bool(self.fields_shown(answers, assessment))

    def fields_shown(
        self, answers: RawAnswers, assessment: Assessment | None = None
    ) -> tuple[Field, ...]:
        """The questions that apply; ``assessment`` None (a stored submission) keeps the
        assessed ones."""
        return tuple(
            f
            for f in self.fields
            if (f.when is None or f.when.holds(answers))
            and (not f.assessed or assessment is None or f.name in assessment.required)
        )


@dataclass(frozen=True)
class FeeItem:
    label: str
    cents: int
    code: str = ""  # what the service's hooks recognise the line by (e.g. "search")


@dataclass(frozen=True)
class Fee:
    items: tuple[FeeItem, ...]

    @property
    def total_cents(self) -> int:
        return sum(item.cents for item in self.items)


@dataclass(frozen=True)
class PaymentStep:
    """A service that costs money: ``fee`` prices the answers (shown on the check-answers
    page); a submission with a fee waits for payment (a receivable of ``purpose`` in the
    payments area) before it reaches the back office."""

    purpose: str
    fee: Callable[[CleanAnswers], Fee]
    payer: Callable[[CleanAnswers], str]
    description: LazyString | str
    due_days: int = 14


@dataclass(frozen=True)
class StatusInput:
    """What a clerk must enter to set a status (a posting date, a reason)."""

    name: str
    label: LazyString | str
    kind: FieldKind = FieldKind.TEXT  # TEXT, TEXTAREA or DATE
    date_rule: DateRule | None = None
    max_length: int = 1000
    public: bool = True  # the citizen sees it in the history
    # A date of the office's doing (a posting date) is not before the submission arrived; a
    # date from a register (moving in) may be.
    after_receipt: bool = True


# A hook run once when a submission has entered a status, in its own transaction: the
# submission, the clerk's inputs, the clerk's username. Raising undoes the status change.
StatusHook = Callable[["FormSubmission", Mapping[str, str], str], None]


@dataclass(frozen=True)
class Status:
    value: str
    label: LazyString | str
    final: bool = False  # nothing more happens after it
    # The request was not granted (rejected, refused): the citizen's page shows the outcome and
    # its reason instead of the confirmation, and no next steps.
    negative: bool = False
    inputs: tuple[StatusInput, ...] = ()
    on_enter: StatusHook | None = None


class Refusal(Exception):
    """Raised by ``FormDefinition.on_receive``: what the submission asks for cannot be had after
    all (the last place of the day went to another request meanwhile). Nothing is recorded;
    the citizen sees ``message`` at the question ``field`` with every answer kept."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Withdrawal:
    """The citizen may call off a submission from its status page (a pickup no longer needed):
    it enters ``status``, a final status whose hook gives back what the submission held. The
    button says ``action``; ``refused`` tells why not (a deadline passed), or None while it
    may."""

    status: str
    action: LazyString | str
    question: LazyString | str  # asked on the page that confirms
    refused: Callable[[FormSubmission], LazyString | str | None]


# A submission with a fee that is not paid yet: not in the back office's inbox.
AWAITING_PAYMENT = Status("zahlung-offen", _l("Zahlung offen"))


@dataclass(frozen=True)
class FormDefinition:
    """A service built on the engine. ``role`` receives its submissions in the back office;
    ``statuses`` are what a clerk may set (the first is the status of a new submission);
    ``needs``, ``cost`` and ``duration`` fill the service page of the catalogue; ``privacy``
    is the service's privacy notice (Art. 13 DSGVO)."""

    slug: str
    title: LazyString | str
    summary: LazyString | str
    role: Role
    reference_prefix: str
    steps: tuple[Step, ...]
    statuses: tuple[Status, ...]
    needs: tuple[LazyString | str, ...] = ()
    cost: LazyString | str = ""
    duration: LazyString | str = ""
    keywords: tuple[str, ...] = ()
    next_steps: tuple[LazyString | str, ...] = ()
    icon: str = "description"  # a Material Symbol in pwa/static/service-icons/
    list_fields: tuple[str, ...] = ()  # shown in the back-office list, in this order
    queue_title: LazyString | str = ""  # the inbox on the clerks' work overview
    queue_key: str = ""  # its key on the work overview (default: the slug)
    assess: Assess | None = None  # eligibility rules: see ``Assessment``
    payment: PaymentStep | None = None
    login_level: str | None = None  # only citizens logged in at this trust level or higher
    # The level to fill in and send the form (not to see what was sent), decided when asked
    # (e.g. from a setting); None: ``login_level``.
    order_level: Callable[[], str | None] | None = None
    # Where a visitor below the level to fill in goes, given that level and the page to come
    # back to: the service's own explanation of the other ways. None, or None returned: the
    # account page's login.
    below_level: Callable[[str, str], str | None] | None = None
    email_field: str | None = None  # the confirmation (and receipt) goes to this answer
    # Why the service takes no submission now (a deadline passed, nothing to apply for),
    # decided when asked; None returned: open. A submission received before stays answered.
    closed: Callable[[], LazyString | str | None] | None = None
    # What the citizen may download from the status page once the office has decided (an
    # issued certificate): (label, URL) pairs for a submission, asked when the page is shown.
    documents: Callable[[FormSubmission], Sequence[tuple[str, str]]] | None = None
    # What the status page names besides number and status (the pickup day, until when it may
    # be cancelled): (label, value) pairs for a submission, asked when the page is shown.
    highlights: Callable[[FormSubmission], Sequence[tuple[str, str]]] | None = None
    # Run in the transaction that records a new submission (not for a repeat of it): takes
    # what the submission holds (a place on a pickup day) or raises ``Refusal``.
    on_receive: Callable[[Session, FormSubmission], None] | None = None
    # The citizen may call the submission off (``Withdrawal``); None: only the office decides.
    withdrawal: Withdrawal | None = None
    # Art. 13 DSGVO: shown before the first question, in full at /antraege/<slug>/datenschutz
    # and on the receipt. Required (keyword only, no default): no service goes without it.
    privacy: PrivacyNotice = field(kw_only=True)

    def __post_init__(self) -> None:
        names = [f.name for step in self.steps for f in step.fields]
        self._check_unique(names)
        self._check_references(names)
        self._check_statuses()
        if not isinstance(self.privacy, PrivacyNotice):
            raise TypeError(f"{self.slug}: privacy must be a PrivacyNotice")
        if self.email_field is not None and self.email_field not in names:
            raise ValueError(f"{self.slug}: unknown e-mail field {self.email_field!r}")

    def _check_unique(self, names: list[str]) -> None:
        """Field names are unique across the service, step slugs across its steps."""
        duplicates = {name for name in names if names.count(name) > 1}
        if duplicates:
            raise ValueError(f"{self.slug}: field names used twice: {sorted(duplicates)}")
        slugs = [step.slug for step in self.steps]
        if len(set(slugs)) != len(slugs) or RESERVED_STEPS & set(slugs):
            raise ValueError(f"{self.slug}: step slugs must be unique and not reserved")

    def _check_references(self, names: list[str]) -> None:
        """Every field a condition or a cross-field rule names exists; a condition rests on an
        answer given before: a step's on an earlier step, a question's or a choice's on an
        earlier step or its own page. So the steps ahead never depend on what comes after them,
        and the step counter can tell which steps may still come."""
        for index, step in enumerate(self.steps):
            earlier = {f.name for s in self.steps[:index] for f in s.fields}
            if step.when is not None and step.when.field not in names:
                raise ValueError(f"{self.slug}/{step.slug}: condition on unknown field")
            if step.when is not None and step.when.field not in earlier:
                raise ValueError(f"{self.slug}/{step.slug}: condition on a field not asked before")
            if step.when is not None and step.when.also is not None:
                # The drafts client passes a step over offline on one answer.
                raise ValueError(f"{self.slug}/{step.slug}: a step's condition is on one answer")
            here = earlier | {f.name for f in step.fields}
            for f in step.fields:
                self._check_field_references(f, names, here)

    def _check_field_references(self, f: Field, names: list[str], here: set[str]) -> None:
        if f.not_before is not None and f.not_before[0] not in names:
            raise ValueError(f"{self.slug}.{f.name}: not before unknown field")
        for condition in f.conditions():
            if condition.field not in names:
                raise ValueError(f"{self.slug}.{f.name}: condition on unknown {condition.field!r}")
            if condition.field not in here or condition.field == f.name:
                raise ValueError(
                    f"{self.slug}.{f.name}: condition on {condition.field!r}, not asked before"
                )
        for other in f.distinct_from:
            if other not in names:
                raise ValueError(f"{self.slug}.{f.name}: distinct from unknown {other!r}")

    def _check_statuses(self) -> None:
        if not self.statuses:
            raise ValueError(f"{self.slug}: needs at least one status")
        if AWAITING_PAYMENT.value in {s.value for s in self.statuses}:
            raise ValueError(f"{self.slug}: {AWAITING_PAYMENT.value} is the engine's status")
        if self.withdrawal is not None:
            target = next((s for s in self.statuses if s.value == self.withdrawal.status), None)
            if target is None or not target.final:
                raise ValueError(f"{self.slug}: the withdrawal needs a final status of its own")

    def level_to_order(self) -> str | None:
        """The trust level to fill in and send the form now."""
        return self.order_level() if self.order_level is not None else self.login_level

    def all_fields(self) -> tuple[Field, ...]:
        return tuple(f for step in self.steps for f in step.fields)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.all_fields() if f.name == name), None)

    def step(self, slug: str) -> Step | None:
        return next((step for step in self.steps if step.slug == slug), None)

    def step_of(self, field_name: str) -> Step | None:
        return next((s for s in self.steps if any(f.name == field_name for f in s.fields)), None)

    def steps_shown(
        self, answers: RawAnswers, assessment: Assessment | None = None
    ) -> tuple[Step, ...]:
        return tuple(step for step in self.steps if step.shown(answers, assessment))

    def next_step(
        self, current: Step, answers: RawAnswers, assessment: Assessment | None = None
    ) -> Step | None:
        """The step after ``current`` that applies to these answers; None: check answers."""
        index = self.steps.index(current)
        return next((s for s in self.steps[index + 1 :] if s.shown(answers, assessment)), None)

    def previous_step(
        self, current: Step, answers: RawAnswers, assessment: Assessment | None = None
    ) -> Step | None:
        index = self.steps.index(current)
        return next((s for s in reversed(self.steps[:index]) if s.shown(answers, assessment)), None)

    def progress(
        self, current: Step, answers: RawAnswers | None, assessment: Assessment | None = None
    ) -> tuple[int, int]:
        """The step counter ("Schritt n von m") on ``current``: n counts the steps before it
        that apply to the answers, and this one; m adds the steps after it that may still
        apply: those whose condition holds, or rests on a question not passed yet (on this step
        or after it), or whose assessment is not settled yet. As the citizen goes on, m never
        grows: a step counted as possible either comes or drops out. ``answers`` None (a page
        the same for everyone): every step counts."""
        index = self.steps.index(current)
        if answers is None:
            return index + 1, len(self.steps)
        before = sum(1 for s in self.steps[:index] if s.shown(answers, assessment))
        ahead = {f.name for s in self.steps[index:] for f in s.fields}

        def possible(condition: Condition | None) -> bool:
            return condition is None or all(
                part.field in ahead or part.holds(answers) for part in condition.parts
            )

        def may_apply(step: Step) -> bool:
            if not possible(step.when):
                return False
            return any(
                possible(f.when)
                and (
                    not f.assessed
                    or assessment is None
                    or not assessment.settled
                    or f.name in assessment.required
                )
                for f in step.fields
            )

        after = sum(1 for s in self.steps[index + 1 :] if may_apply(s))
        return before + 1, before + 1 + after

    def assessment(self, answers: RawAnswers, context: AssessContext) -> Assessment:
        return self.assess(answers, context) if self.assess else NO_ASSESSMENT

    def following_step(self, current: Step) -> Step | None:
        """The next step in the definition regardless of answers (for pages that must not
        depend on personal data)."""
        index = self.steps.index(current)
        return self.steps[index + 1] if index + 1 < len(self.steps) else None

    def status(self, value: str) -> Status:
        if value == AWAITING_PAYMENT.value:
            return AWAITING_PAYMENT
        found = next((s for s in self.statuses if s.value == value), None)
        return found or Status(value, value)

    @property
    def facets(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.facet for f in self.all_fields() if f.facet))

    def fields_with_facet(self, facet: str) -> tuple[Field, ...]:
        return tuple(f for f in self.all_fields() if f.facet == facet)


# Step slugs the engine's own pages use.
RESERVED_STEPS = frozenset({"pruefen", "absenden", "eingegangen", "entwurf", "neu", "datenschutz"})


def parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
