"""The portal's base form: a form class strips its text once however many forms are made of
it (issue 17: the filter used to pile up on the class's shared fields)."""

from __future__ import annotations

from flask import Flask
from wtforms import PasswordField, StringField

from server import portal_form


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
