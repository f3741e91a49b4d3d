"""Wires the form engine into the app: citizen pages, back-office inboxes, commands, and the
services that have no area of their own (``definitions/``)."""

from __future__ import annotations

from flask import Flask

from server.auth.records import register_record_source
from server.forms.account import submissions_for_account


def init_forms(app: Flask) -> None:
    from server.forms.backoffice import bp as office
    from server.forms.cli import forms_group
    from server.forms.definitions import belege, kita, kontakt
    from server.forms.registry import register_definition
    from server.forms.views import bp

    register_record_source(submissions_for_account)
    app.register_blueprint(bp)
    app.register_blueprint(office)
    for definition in (kita.DEFINITION, kontakt.DEFINITION, belege.DEFINITION):
        register_definition(definition)
    app.cli.add_command(forms_group)
