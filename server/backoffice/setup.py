"""Wires the clerks' shell into the app: entrance, work overview (areas add their queues), the
audit log's, the scheduled jobs' and the outbox's admin pages."""

from __future__ import annotations

from flask import Flask


def init_backoffice(app: Flask) -> None:
    from server.audit.labels import actor_label
    from server.backoffice.audit_log import bp as audit_log
    from server.backoffice.jobs import bp as jobs
    from server.backoffice.outbox import bp as outbox
    from server.backoffice.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(audit_log)
    app.register_blueprint(jobs)
    app.register_blueprint(outbox)
    # Who did something, as clerks read it (``clerk:kasse``, ``citizen``, ``system``).
    app.jinja_env.globals.update(actor_label=actor_label)
