"""Wires the form engine into the app: citizen pages, back-office inboxes, storage, commands."""

from __future__ import annotations

from functools import partial

from flask import Flask

from server.files.storage import init_storage


def init_forms(app: Flask) -> None:
    from server.backoffice.queues import Queue, register_queue
    from server.forms.backoffice import bp as office
    from server.forms.cli import forms_group
    from server.forms.registry import DEFINITIONS
    from server.forms.submissions import count_open
    from server.forms.views import bp

    init_storage(app)
    app.register_blueprint(bp)
    app.register_blueprint(office)
    for definition in DEFINITIONS.values():
        register_queue(
            Queue(
                # The Kita queue was announced on the overview before the service existed.
                "kita" if definition.slug == "kita-anmeldung" else definition.slug,
                definition.queue_title or definition.title,
                definition.role,
                partial(count_open, (definition.slug,)),
                "forms_office.inbox",
                (("service", definition.slug),),
            )
        )
    app.cli.add_command(forms_group)
