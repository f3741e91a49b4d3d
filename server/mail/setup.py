"""Wires outgoing mail into the app: the configured transport, the development mail page, the
``portal mail`` commands."""

from __future__ import annotations

from flask import Flask

from server.mail.transports import init_transport


def init_mail(app: Flask) -> None:
    from server.mail.cli import mail_group
    from server.mail.views import bp

    init_transport(app)
    app.register_blueprint(bp)
    app.cli.add_command(mail_group)
