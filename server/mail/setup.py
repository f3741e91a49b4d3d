"""Wires outgoing mail into the app: the configured transport, the development mail page, the
``portal mail`` commands and the job that sends the outbox."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from server.jobs.catalogue import Job, register_job
from server.mail.outbox import OUTBOX_JOB, send_job
from server.mail.transports import init_transport


def init_mail(app: Flask) -> None:
    from server.audit.labels import register_labels
    from server.mail.cli import mail_group
    from server.mail.failures import AUDIT_ACTION, AUDIT_RECORD
    from server.mail.views import bp

    init_transport(app)
    register_labels(
        actions={AUDIT_ACTION: _l("Fehlgeschlagene Mail erneut gesendet")},
        records={AUDIT_RECORD: _l("Mail")},
    )
    app.register_blueprint(bp)
    app.cli.add_command(mail_group)
    # Every minute, and at once when a transaction that queued a mail commits.
    register_job(
        Job(
            OUTBOX_JOB,
            _l("Mails aus dem Postausgang senden"),
            "* * * * *",
            _l("jede Minute und gleich nach jeder neuen Mail"),
            send_job,
            counts=(("sent", _l("gesendet")), ("failed", _l("nicht gesendet"))),
            retries=0,  # each mail is tried again on its own, after its pause
        )
    )
