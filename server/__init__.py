"""Bürgerportal: the Flask application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask

from server import cli
from server.assets import init_assets
from server.auth.account_views import bp as accounts_bp
from server.auth.clerk_accounts_views import bp as clerk_accounts_bp
from server.auth.dev_idp import init_dev_idp
from server.auth.eid import init_eid
from server.auth.security_key_views import bp as security_keys_bp
from server.auth.session_store import init_sessions
from server.auth.views import bp as auth_bp
from server.backoffice.audit_log import bp as audit_bp
from server.backoffice.views import bp as backoffice_bp
from server.certificates.setup import init_certificates
from server.config import REPO_ROOT, load_config
from server.extensions import compress, csrf, db, htmx, limiter
from server.fines.setup import init_fines
from server.forms.setup import init_forms
from server.i18n import init_i18n
from server.logs import configure_logging
from server.mail.cli import mail_group
from server.mail.views import bp as dev_mail_bp
from server.payments.setup import init_payments
from server.proxies import behind_proxies
from server.security import init_security
from server.web.draft_key import init_draft_key
from server.web.errors import init_errors
from server.web.views import bp as web_bp


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the portal. ``config`` overrides settings read from the environment (tests)."""
    app = Flask(
        __name__,
        instance_path=str(REPO_ROOT / "instance"),
        template_folder=str(REPO_ROOT / "pwa" / "templates"),
        static_folder=str(REPO_ROOT / "pwa" / "static"),
    )
    app.config.update(load_config(config, instance_path=REPO_ROOT / "instance"))
    app.wsgi_app = behind_proxies(app.wsgi_app, app.config["TRUSTED_PROXIES"])  # type: ignore[method-assign,assignment]

    app.jinja_env.add_extension("jinja2.ext.do")
    configure_logging(app)
    # Each extension is bound exactly once; the database comes first because others may use it.
    for extension in (db, csrf, htmx, limiter, compress):
        extension.init_app(app)
    init_sessions(app)
    init_i18n(app)
    init_security(app)
    init_draft_key(app)
    init_assets(app)
    init_errors(app)

    for blueprint in (web_bp, auth_bp, accounts_bp, backoffice_bp, dev_mail_bp):
        app.register_blueprint(blueprint)
    init_payments(app)
    init_fines(app)
    init_forms(app)
    init_certificates(app)
    init_dev_idp(app)
    init_eid(app)
    app.register_blueprint(audit_bp)
    app.register_blueprint(clerk_accounts_bp)
    app.register_blueprint(security_keys_bp)
    app.cli.add_command(mail_group)
    cli.register(app)
    return app
