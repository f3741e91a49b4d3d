"""Wires the form engine into the app: citizen pages, back-office inboxes, storage, commands."""

from __future__ import annotations

from functools import partial

from flask import Flask

from server.auth.records import register_record_source
from server.files.storage import init_storage
from server.forms.account import submissions_for_account


def init_forms(app: Flask) -> None:
    from server.backoffice.queues import Queue, register_queue
    from server.forms.backoffice import bp as office
    from server.forms.cli import forms_group
    from server.forms.payment import register_payment_steps
    from server.forms.payment_proof import register_proof_recipients
    from server.forms.registry import DEFINITIONS
    from server.forms.submissions import count_open
    from server.forms.views import bp

    init_storage(app)
    register_record_source(submissions_for_account)
    app.register_blueprint(bp)
    app.register_blueprint(office)
    register_payment_steps(list(DEFINITIONS.values()))
    register_proof_recipients()
    for definition in DEFINITIONS.values():
        register_queue(
            Queue(
                definition.queue_key or definition.slug,
                definition.queue_title or definition.title,
                definition.role,
                partial(count_open, (definition.slug,)),
                "forms_office.inbox",
                (("service", definition.slug),),
            )
        )
    app.cli.add_command(forms_group)
