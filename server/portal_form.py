"""The base form every area's forms build on (bottom layer, imports no area): whitespace is
stripped from text input, passwords are left as typed. Importing it makes WTForms write the
attributes of fields and labels faster (``html_params``), in the same markup."""

from __future__ import annotations

from typing import Any

import wtforms.widgets
import wtforms.widgets.core
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import StringField
from wtforms.validators import InputRequired, Length
from wtforms.widgets.core import clean_key


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class PortalForm(FlaskForm):
    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            filters = unbound_field.kwargs.get("filters", [])
            if unbound_field.field_class.__name__ != "PasswordField":
                filters = [_strip, *filters]
            # For this form only: the unbound field is the class's, shared by every form made
            # from it; kept in it, each request's form added one more strip to all later ones.
            return unbound_field.bind(form=form, filters=filters, **options)


def copied_code_field(
    label: LazyString | str, required_message: LazyString | str, *, max_length: int = 40
) -> StringField:
    """A field for what a person copies from a letter or a receipt (an Aktenzeichen, an access
    code): required, no autocomplete or spelling help, capitals on a phone's keyboard."""
    return StringField(
        label,
        validators=[InputRequired(required_message), Length(max=max_length)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


def html_params(**kwargs: Any) -> Markup:
    """WTForms' ``html_params`` (``wtforms.widgets.core``), the same markup made without
    ``Markup.format``: WTForms writes every attribute of every input, option and label through
    ``string.Formatter``, about a fifth of a form step's page (issue 17). Sorted by name, the
    name cleaned as WTForms does; True is the bare name, False leaves the attribute out; values
    escaped, and a double quote in a value that is markup already becomes ``&quot;``."""
    params: list[str] = []
    for key, value in sorted(kwargs.items()):
        name = escape(clean_key(key))
        if value is True:
            params.append(name)
        elif value is not False:
            quoted = str(escape(value)).replace('"', "&quot;")
            params.append(f'{name}="{quoted}"')
    return Markup(" ".join(params))  # noqa: S704  # nosec B704  # every name and value escaped above


# Where WTForms looks it up: the widgets' module (selects, text areas, lists), the package
# (labels) and the input and button widgets, which keep it as a static method.
wtforms.widgets.core.html_params = html_params
wtforms.widgets.html_params = html_params
wtforms.widgets.core.Input.html_params = staticmethod(html_params)
wtforms.widgets.core.Button.html_params = staticmethod(html_params)
