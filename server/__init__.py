"""Bürgerportal: the Flask application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask

from server import cli, resources
from server.appointments.setup import init_appointments
from server.assets import init_assets, init_compression
from server.auth.session_store import init_sessions
from server.auth.setup import init_auth
from server.backoffice.setup import init_backoffice
from server.briefwahl.setup import init_briefwahl
from server.certificates.setup import init_certificates
from server.config import load_config
from server.date_filters import init_date_filters
from server.extensions import compress, csrf, db, htmx, limiter
from server.files.setup import init_files
from server.fines.setup import init_fines
from server.forms.setup import init_forms
from server.hundesteuer.setup import init_hundesteuer
from server.i18n import init_i18n
from server.jobs.setup import init_jobs
from server.logs import configure_logging
from server.maengel.setup import init_maengel
from server.mail.setup import init_mail
from server.meldebescheinigung.setup import init_meldebescheinigung
from server.monitoring.setup import init_monitoring
from server.parkausweis.setup import init_parkausweis
from server.payments.setup import init_payments
from server.portal_flask import PortalFlask
from server.proxies import behind_proxies
from server.ratelimits import check_only_limited_views
from server.retention.setup import init_retention
from server.security import init_csrf_check, init_security
from server.sperrmuell.setup import init_sperrmuell
from server.template_globals import PortalEnvironment
from server.web.draft_key import init_draft_key
from server.web.errors import init_errors
from server.web.setup import init_web


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the portal. ``config`` overrides settings read from the environment (tests)."""
    settings = load_config(config)
    app = PortalFlask(
        __name__,
        instance_path=settings["INSTANCE_DIR"],
        template_folder=resources.TEMPLATES,
        static_folder=resources.STATIC,
    )
    app.config.update(settings)
    app.jinja_environment = PortalEnvironment  # before the environment is first made, below
    app.wsgi_app = behind_proxies(app.wsgi_app, app.config["TRUSTED_PROXIES"])  # type: ignore[method-assign,assignment]

    app.jinja_env.add_extension("jinja2.ext.do")
    configure_logging(app)
    # Each extension is bound exactly once; the database comes first because others may use it.
    for extension in (db, csrf, htmx, limiter, compress):
        extension.init_app(app)
    init_csrf_check(app)
    init_compression(app)
    init_sessions(app)
    init_i18n(app)
    init_date_filters(app)
    init_security(app)
    init_draft_key(app)
    init_assets(app)
    init_errors(app)

    # The areas, each through its init_<area>(app): blueprints, backends chosen from the
    # settings (an unknown name stops the start), registrations with other areas.
    init_monitoring(app)
    init_files(app)
    init_mail(app)
    init_web(app)
    init_auth(app)
    init_backoffice(app)
    init_payments(app)
    init_fines(app)
    init_forms(app)
    init_certificates(app)
    init_maengel(app)
    init_briefwahl(app)
    init_meldebescheinigung(app)
    init_parkausweis(app)
    init_hundesteuer(app)
    init_sperrmuell(app)
    init_appointments(app)
    init_retention(app)
    init_jobs(app)  # after the areas, which register their jobs
    cli.register(app)
    check_only_limited_views(app)  # after the areas, which declare their limits
    return app
