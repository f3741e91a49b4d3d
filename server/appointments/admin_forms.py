"""The forms of setting up the offices (``admin_views``): a service, a location, a counter and
a location's week of opening hours (one field per weekday: ``8:00-12:00, 14:00-18:00``)."""

from __future__ import annotations

import re
from datetime import time
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from server.appointments.models import DEFAULT_GROUP
from server.appointments.slots import Span
from server.portal_form import PortalForm

MAX_MINUTES = 480
#: The week's fields, Monday first (``weekday`` 0).
WEEKDAY_FIELDS = ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag")
WEEKDAY_NAMES = (
    _l("Montag"),
    _l("Dienstag"),
    _l("Mittwoch"),
    _l("Donnerstag"),
    _l("Freitag"),
    _l("Samstag"),
    _l("Sonntag"),
)
_CLOCK = r"([01]?\d|2[0-3])(?:[:.]([0-5]\d))?"
_SPAN = re.compile(rf"^{_CLOCK}\s*[-–—]\s*{_CLOCK}$")


class ServiceForm(PortalForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Geben Sie den Namen des Dienstes ein.")), Length(max=140)],
    )
    name_en = StringField(_l("Name auf Englisch"), validators=[Length(max=140)])
    minuten = IntegerField(
        _l("Minuten je Person"),
        validators=[
            InputRequired(_l("Geben Sie die Minuten je Person als ganze Zahl ein.")),
            NumberRange(
                min=1,
                max=MAX_MINUTES,
                message=_l("Die Minuten müssen zwischen 1 und %(max)s liegen.", max=MAX_MINUTES),
            ),
        ],
        render_kw={"inputmode": "numeric"},
    )
    mitbringen = TextAreaField(_l("Was mitzubringen ist"), validators=[Length(max=2000)])
    mitbringen_en = TextAreaField(
        _l("Was mitzubringen ist, auf Englisch"), validators=[Length(max=2000)]
    )
    gruppe = StringField(
        _l("Dienstgruppe"),
        default=DEFAULT_GROUP,
        validators=[
            DataRequired(_l("Geben Sie eine Dienstgruppe ein.")),
            Length(max=40),
            Regexp(
                r"^[a-z0-9-]+$",
                message=_l(
                    "Die Dienstgruppe besteht aus Kleinbuchstaben, Ziffern und Bindestrichen."
                ),
            ),
        ],
        render_kw={"autocapitalize": "none", "spellcheck": "false"},
    )


class LocationForm(PortalForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Geben Sie den Namen des Standorts ein.")), Length(max=140)],
    )
    adresse = StringField(
        _l("Adresse"),
        validators=[DataRequired(_l("Geben Sie die Adresse ein.")), Length(max=200)],
    )


class LocationServicesForm(LocationForm):
    """The location's page: name and address, and the services it offers (choices set by the
    view)."""

    dienste = SelectMultipleField(
        _l("Angebotene Dienste"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=True,
    )


class CounterForm(PortalForm):
    name = StringField(
        _l("Name des Schalters"),
        validators=[DataRequired(_l("Geben Sie den Namen des Schalters ein.")), Length(max=40)],
    )


def parse_spans(weekday: int, text: str) -> list[Span]:
    """``8-12, 14:00-18:00`` as spans of ``weekday``; raises ``ValueError`` for what is not."""
    spans = []
    for part in re.split(r"[,;]|\s+und\s+", text):
        part = part.strip()
        if not part:
            continue
        found = _SPAN.match(part)
        if found is None:
            raise ValueError(part)
        hour1, minute1, hour2, minute2 = found.groups()
        opens = time(int(hour1), int(minute1 or 0))
        closes = time(int(hour2), int(minute2 or 0))
        spans.append(Span(weekday, opens, closes))
    return spans


def spans_text(spans: list[Span]) -> str:
    return ", ".join(f"{s.opens:%H:%M}-{s.closes:%H:%M}" for s in spans)


def _span_field(index: int) -> StringField:
    def check(_form: Any, field: Any) -> None:
        try:
            spans = parse_spans(index, field.data or "")
        except ValueError as wrong:
            raise ValidationError(
                _l(
                    "%(day)s: „%(text)s“ ist keine Zeitspanne wie 8:00-12:00.",
                    day=WEEKDAY_NAMES[index],
                    text=str(wrong),
                )
            ) from None
        from server.appointments.admin import span_problems

        problems = span_problems(spans)
        if problems:
            raise ValidationError(f"{WEEKDAY_NAMES[index]}: {problems[0][1]}")

    return StringField(
        WEEKDAY_NAMES[index],
        validators=[Length(max=200), check],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class HoursForm(PortalForm):
    montag = _span_field(0)
    dienstag = _span_field(1)
    mittwoch = _span_field(2)
    donnerstag = _span_field(3)
    freitag = _span_field(4)
    samstag = _span_field(5)
    sonntag = _span_field(6)

    def spans(self) -> list[Span]:
        """The week as spans (after ``validate``)."""
        return [
            span
            for index, name in enumerate(WEEKDAY_FIELDS)
            for span in parse_spans(index, self[name].data or "")
        ]


class ButtonForm(PortalForm):
    """A button that changes something: only the CSRF token is checked."""


def counter_form(counter_id: int) -> CounterForm:
    """A counter's rename form: its fields named after the counter (``schalter-5-name``), so
    that every counter's row on one page has ids of its own."""
    return CounterForm(prefix=f"schalter-{counter_id}")
