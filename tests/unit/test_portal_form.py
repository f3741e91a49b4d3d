"""The portal's base form (issue 17): WTForms writes attributes through
``server.portal_form.html_params``, the same markup as WTForms' own function for every kind of
name and value; and a form class strips its text once however many forms are made of it."""

from __future__ import annotations

import importlib.util
import itertools
from collections.abc import Callable
from typing import Any

import pytest
import wtforms.widgets
import wtforms.widgets.core
from flask import Flask
from markupsafe import Markup
from wtforms import Form, PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from server import portal_form

NAMES = ("class_", "for_", "id", "data_draft_step", "aria_described_by", "value", "a<b&c")
VALUES: tuple[Any, ...] = (
    True,
    False,
    None,
    0,
    100,
    "",
    "text",
    'with "quotes" & <tags>',
    Markup('<b class="raw">kept</b>'),
    ["a", "b"],
)


def wtforms_own() -> Callable[..., Markup]:
    """``html_params`` as WTForms ships it, from its own source file."""
    spec = importlib.util.spec_from_file_location(
        "wtforms_core_as_shipped", wtforms.widgets.core.__file__
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.html_params  # type: ignore[no-any-return]


@pytest.mark.parametrize("value", VALUES)
def test_each_value_is_written_as_wtforms_writes_it(value: Any) -> None:
    shipped = wtforms_own()
    for name in NAMES:
        assert portal_form.html_params(**{name: value}) == shipped(**{name: value})


def test_several_attributes_come_in_the_same_order() -> None:
    shipped = wtforms_own()
    for names in itertools.combinations(NAMES, 4):
        for values in itertools.combinations(VALUES, 4):
            attributes = dict(zip(names, values, strict=True))
            written = portal_form.html_params(**attributes)
            assert isinstance(written, Markup)
            assert written == shipped(**attributes)
    assert portal_form.html_params() == shipped() == ""


def test_fields_and_labels_are_written_with_it() -> None:
    assert wtforms.widgets.html_params is portal_form.html_params
    assert wtforms.widgets.core.html_params is portal_form.html_params
    assert wtforms.widgets.core.Input.html_params is portal_form.html_params

    class Probe(Form):  # type: ignore[misc]
        name = StringField("Name", render_kw={"required": True, "maxlength": 10})
        text = TextAreaField("Text")
        pick = SelectField("Pick", choices=[SelectChoice("a", 'A "1"'), SelectChoice("b", "B")])
        radio = RadioField("Radio", choices=[SelectChoice("x", "X")])

    form = Probe(data={"name": 'Mia "M" <b>', "pick": "b"})
    assert str(form.name(class_="kern")) == (
        '<input class="kern" id="name" maxlength="10" name="name" required type="text" '
        'value="Mia &#34;M&#34; &lt;b&gt;">'
    )
    assert str(form.name.label(class_="kern-label")) == (
        '<label class="kern-label" for="name">Name</label>'
    )
    assert str(form.text()) == '<textarea id="text" name="text">\r\n</textarea>'
    assert str(form.pick()) == (
        '<select id="pick" name="pick"><option value="a">A &#34;1&#34;</option>'
        '<option selected value="b">B</option></select>'
    )
    option = next(iter(form.radio))
    assert str(option()) == '<input id="radio-0" name="radio" type="radio" value="x">'


def test_a_form_class_strips_once_however_often_it_is_made(app_context: Flask) -> None:
    """The strip filter belongs to each form made, not to the class's shared fields."""

    class Lookup(portal_form.PortalForm):
        class Meta:
            csrf = False

        code = StringField("Code")
        secret = PasswordField("Secret")

    with app_context.test_request_context(
        "/", method="POST", data={"code": "  AB 12 ", "secret": " x "}
    ):
        for _ in range(3):
            form = Lookup()
            assert form.code.data == "AB 12"
            assert form.secret.data == " x "
            assert list(form.code.filters) == [portal_form._strip]
        assert "filters" not in Lookup.code.kwargs
