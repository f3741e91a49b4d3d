"""Wires the parking-fines area into the app."""

from __future__ import annotations

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l

from server.auth.records import register_record_kind
from server.auth.roles import Role
from server.fines.account import describe_cases
from server.fines.cases import PURPOSE, init_fines_events, shown_offence_text
from server.fines.proof import proof_recipient
from server.mail.attachments import register_attachment_maker
from server.payments.events import register_notice_title, register_origin_link
from server.payments.models import Receivable
from server.payments.proof_mail import register_proof_recipient


def _back_to_case(receivable: Receivable) -> tuple[str, str] | None:
    from flask_babel import gettext as _

    if not receivable.purpose_ref:
        return None
    return (
        _("Zurück zum Vorgang %(az)s", az=receivable.purpose_ref),
        url_for("fines.case", aktenzeichen=receivable.purpose_ref),
    )


def _title(receivable: Receivable) -> str | None:
    """The notice's title on pages in the reader's language; the stored description is the same
    in German ("Verwarnungsgeld BG-2026-000001", ``cases.add_case``)."""
    from flask_babel import gettext as _

    if not receivable.purpose_ref:
        return None
    return f"{_('Verwarnungsgeld')} {receivable.purpose_ref}"


def init_fines(app: Flask) -> None:
    from server.backoffice.queues import Queue, register_queue
    from server.fines import hearing
    from server.fines.backoffice import bp as fines_office
    from server.fines.cli import fines_group
    from server.fines.documents import STATEMENT_RECEIPT, statement_receipt
    from server.fines.labels import register_fines_labels
    from server.fines.views import bp

    init_fines_events()
    register_fines_labels()
    register_record_kind("fine_cases", describe_cases)
    register_origin_link(PURPOSE, _back_to_case)
    register_notice_title(PURPOSE, _title)
    app.jinja_env.globals.update(shown_offence_text=shown_offence_text)
    register_proof_recipient(PURPOSE, proof_recipient)
    register_attachment_maker(STATEMENT_RECEIPT, statement_receipt)
    app.register_blueprint(bp)
    app.register_blueprint(fines_office)
    register_queue(
        Queue(
            "fines",
            _l("Anhörungen und Fahrerbenennungen"),
            Role.FINES,
            hearing.count_waiting,
            "fines_office.queue",
        )
    )
    app.cli.add_command(fines_group)
