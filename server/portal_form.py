"""The base form every area's forms build on (bottom layer, imports no area): whitespace is
stripped from text input, passwords are left as typed."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class PortalForm(FlaskForm):
    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            filters = unbound_field.kwargs.get("filters", [])
            if unbound_field.field_class.__name__ != "PasswordField":
                filters = [_strip, *filters]
            unbound_field.kwargs["filters"] = filters
            return unbound_field.bind(form=form, **options)
