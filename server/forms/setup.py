"""Wires the form engine into the app: citizen pages, back-office inboxes, commands, and the
services that have no area of their own (``definitions/``)."""

from __future__ import annotations

from functools import partial

from flask import Flask
from flask_babel import lazy_gettext as _l

from server.auth.records import register_record_source
from server.backoffice.queues import Queue, register_queue
from server.forms import notices
from server.forms.account import submissions_for_account
from server.forms.engine import FormDefinition
from server.forms.payment import register_payment_step
from server.forms.payment_proof import register_proof_recipient_of
from server.forms.registry import on_register, register_definition
from server.forms.submissions import count_open
from server.jobs.catalogue import Job, register_job
from server.mail.attachments import register_attachment_maker


def purge_drafts_job() -> dict[str, int]:
    """The job ``forms-purge-drafts``: drafts untouched for ``FORM_DRAFT_DAYS``."""
    from server.forms.drafts import purge_old_drafts

    return {"deleted": purge_old_drafts()}


def _register_work_queue(definition: FormDefinition) -> None:
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


def init_forms(app: Flask) -> None:
    from server.forms.backoffice import bp as office
    from server.forms.cli import forms_group
    from server.forms.definitions import barrierefreiheit, belege, kita, kontakt
    from server.forms.status_views import bp as status
    from server.forms.views import bp

    for wiring in (register_payment_step, register_proof_recipient_of, _register_work_queue):
        on_register(wiring)
    register_record_source(submissions_for_account)
    register_attachment_maker(notices.RECEIPT, notices.receipt_attachment)
    app.register_blueprint(bp)
    app.register_blueprint(status)
    app.register_blueprint(office)
    for definition in (
        kita.DEFINITION,
        kontakt.DEFINITION,
        belege.DEFINITION,
        barrierefreiheit.DEFINITION,
    ):
        register_definition(definition)
    app.cli.add_command(forms_group)
    register_job(
        Job(
            "forms-purge-drafts",
            _l("Alte Entwürfe von Anträgen löschen"),
            "10 3 * * *",
            _l("täglich"),
            purge_drafts_job,
            counts=(("deleted", _l("gelöscht")),),
        )
    )
