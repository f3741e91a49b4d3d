"""The development identity provider: a stand-in for the eID service, never in production.

Outside production, where no real provider is configured (``OIDC_ISSUER``), the portal serves
an OpenID Connect provider of its own under ``/dev-eid`` (``DEV_EID_PROVIDER``), and its eID
login uses it exactly as it would use BundID behind a broker: discovery, authorization code
with PKCE, client authentication, ID token signed with a published key, userinfo, logout, all
over real HTTP to ``PORTAL_BASE_URL``. Instead of reading an ID card, its authorization page lets
the developer pick one of a few test persons (``persons.py``).

It needs no migration: its state is a key and short-lived records in files under
``DEV_EID_DIR`` (``store.py`` says why files).
"""

from __future__ import annotations

from flask import Flask

from server.auth.eid import ProviderSettings, register_identity_provider
from server.config import ConfigurationError


def _development(app: Flask) -> ProviderSettings:
    """The eID client's settings for this provider (a backend like the real one)."""
    from server.auth.dev_idp.provider import client_credentials, issuer

    client_id, secret = client_credentials(app)
    return ProviderSettings(
        issuer=issuer(app), client_id=client_id, client_secret=secret, development=True
    )


register_identity_provider("development", _development)


def init_dev_idp(app: Flask) -> None:
    if not app.config["DEV_EID_PROVIDER"]:
        return
    if app.config["PORTAL_ENV"] == "production":
        raise ConfigurationError("the development identity provider is refused in production")
    from server.auth.dev_idp.provider import create_server
    from server.auth.dev_idp.store import DevIdpStore
    from server.auth.dev_idp.views import bp

    app.extensions["dev_eid"] = create_server(app, DevIdpStore(app.config["DEV_EID_DIR"]))
    app.register_blueprint(bp)
