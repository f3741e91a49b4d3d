"""Wires the payments area into the app: providers, blueprints, the sandbox platform, CLI."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from server.auth.records import register_record_kind
from server.auth.roles import Role
from server.jobs.catalogue import Job, register_job
from server.payments.account import describe_receivables
from server.payments.providers.registry import init_provider, register_provider
from server.payments.providers.xbezahldienste import (
    XBezahldiensteProvider,
    XBezahldiensteSettings,
)


def _xbezahldienste(app: Flask) -> XBezahldiensteProvider:
    config = app.config
    base = config["XBEZAHLDIENSTE_BASE_URL"]
    return XBezahldiensteProvider(
        XBezahldiensteSettings(
            name="xbezahldienste",
            base_url=base if base.endswith("/") else base + "/",
            originator_id=config["XBEZAHLDIENSTE_ORIGINATOR_ID"],
            endpoint_id=config["XBEZAHLDIENSTE_ENDPOINT_ID"],
            client_id=config["XBEZAHLDIENSTE_CLIENT_ID"],
            client_secret=config["XBEZAHLDIENSTE_CLIENT_SECRET"],
            auth=config["XBEZAHLDIENSTE_AUTH"],
            token_url=config["XBEZAHLDIENSTE_TOKEN_URL"] or None,
            notify_secret=config["XBEZAHLDIENSTE_NOTIFY_SECRET"] or None,
            timeout_seconds=float(config["XBEZAHLDIENSTE_TIMEOUT_SECONDS"]),
        )
    )


def _sandbox(app: Flask) -> XBezahldiensteProvider:
    """The same client, pointed at the sandbox platform in this process."""
    from server.payments.sandbox import platform

    base = app.config["PORTAL_BASE_URL"] + "/sandbox-zahlung/"
    with app.app_context():
        tenant = platform.tenant()
    return XBezahldiensteProvider(
        XBezahldiensteSettings(
            name="sandbox",
            base_url=base + "api/",
            originator_id=tenant.originator_id,
            endpoint_id=tenant.endpoint_id,
            client_id=tenant.client_id,
            client_secret=tenant.client_secret,
            token_url=base + "oauth/token",
            notify_secret=app.config["SANDBOX_NOTIFY_SECRET"],
            refund_extension=True,
        )
    )


def init_payments(app: Flask) -> None:
    from server.backoffice.queues import Queue, register_queue
    from server.payments import (
        clarifications,
        cli,
        display,
        events,
        proof_mail,
        refund_accounts,
        refund_mail,
    )
    from server.payments.backoffice import bp as cash_office
    from server.payments.labels import register_payments_labels
    from server.payments.refund_returns import on_refund_returned
    from server.payments.refunds import on_refund
    from server.payments.views import bp

    register_provider("xbezahldienste", _xbezahldienste)
    register_record_kind("receivables", describe_receivables)
    events.register_any_settlement_handler(proof_mail.mail_proofs)
    on_refund(refund_mail.tell_refund)
    on_refund_returned(refund_mail.tell_refund_returned)
    register_provider("sandbox", _sandbox)
    if app.config["PAYMENT_PROVIDER"] == "sandbox" and not app.config["SANDBOX_PAYMENTS"]:
        from server.config import ConfigurationError

        raise ConfigurationError("PAYMENT_PROVIDER=sandbox needs SANDBOX_PAYMENTS on")
    init_provider(app)
    app.register_blueprint(bp)
    app.register_blueprint(cash_office)
    register_payments_labels()
    app.jinja_env.globals.update(
        receivable_title=display.receivable_title, payment_method_names=display.method_names
    )
    register_queue(
        Queue(
            "payments",
            _l("Klärungsfälle der Stadtkasse"),
            Role.CASH_OFFICE,
            clarifications.count_open,
            "cash_office.clarification_queue",
        )
    )
    register_queue(
        Queue(
            "refund_accounts",
            _l("Erstattungen ohne Konto"),
            Role.CASH_OFFICE,
            refund_accounts.count_waiting,
            "cash_office.refunds_without_account",
        )
    )
    if app.config["SANDBOX_PAYMENTS"]:
        from server.payments.sandbox.notifier import Notifier
        from server.payments.sandbox.views import api, page

        app.register_blueprint(api)
        app.register_blueprint(page)
        app.extensions["sandbox_notifier"] = Notifier(
            url=app.config["PORTAL_BASE_URL"] + "/zahlungen/benachrichtigung/sandbox",
            secret=app.config["SANDBOX_NOTIFY_SECRET"],
            max_delay_seconds=app.config["SANDBOX_NOTIFY_DELAY_SECONDS"],
        )
    app.cli.add_command(cli.payments_group)
    register_job(
        Job(
            "payments-poll",
            _l("Offene Online-Zahlungen bei der Plattform erfragen"),
            "* * * * *",
            _l("jede Minute"),
            poll_job,
            counts=(("asked", _l("erfragt")),),
        )
    )


def poll_job() -> dict[str, int]:
    """The job ``payments-poll``: payments still not final after ``PAYMENT_POLL_AFTER_MINUTES``."""
    from server.payments.online import poll_pending

    return {"asked": len(poll_pending())}


def use_base_url(app: Flask, base_url: str) -> None:
    """Serve under another public address than configured (the demo on another port)."""
    app.config["PORTAL_BASE_URL"] = base_url.rstrip("/")
    init_provider(app)
    notifier = app.extensions.get("sandbox_notifier")
    if notifier is not None:
        notifier.url = app.config["PORTAL_BASE_URL"] + "/zahlungen/benachrichtigung/sandbox"
