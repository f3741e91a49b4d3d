"""The base form every area's forms build on (bottom layer, imports no area): whitespace is
stripped from text input, passwords are left as typed."""

from __future__ import annotations

from typing import Any

from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length


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
