"""Wires the auth area into the app: clerks' and citizens' pages, security keys, the identity
providers (the development one registers itself and is served only where configured)."""

from __future__ import annotations

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from server.jobs.catalogue import Job, register_job


def prune_sessions_job() -> dict[str, int]:
    """The job ``sessions-prune``: sessions past their idle or absolute timeout."""
    from server.auth.session_store import prune_expired

    return {"deleted": prune_expired(current_app._get_current_object())}  # type: ignore[attr-defined]


def purge_wallet_job() -> dict[str, int]:
    """The job ``wallet-purge``: wallet logins past their expiry, with their nonces and keys."""
    from server.auth.wallet.transactions import purge
    from server.extensions import db

    with db.transaction():
        return {"deleted": purge()}


def init_auth(app: Flask) -> None:
    from server.auth.account_views import bp as accounts
    from server.auth.clerk_accounts_views import bp as clerk_accounts
    from server.auth.dev_idp import init_dev_idp
    from server.auth.dev_wallet import init_dev_wallet
    from server.auth.eid import init_eid
    from server.auth.labels import register_auth_labels
    from server.auth.security_key_views import bp as security_keys
    from server.auth.views import bp
    from server.auth.wallet.setup import init_wallet
    from server.auth.wallet_views import bp as wallet

    for blueprint in (bp, accounts, clerk_accounts, security_keys, wallet):
        app.register_blueprint(blueprint)
    init_dev_idp(app)
    init_eid(app)
    init_dev_wallet(app)  # outside production: fills the WALLET_* settings
    init_wallet(app)
    register_auth_labels()
    register_job(
        Job(
            "sessions-prune",
            _l("Abgelaufene Anmeldungen löschen"),
            "5 * * * *",
            _l("stündlich"),
            prune_sessions_job,
            counts=(("deleted", _l("gelöscht")),),
        )
    )
    register_job(
        Job(
            "wallet-purge",
            _l("Abgelaufene Wallet-Anmeldungen löschen"),
            "15 * * * *",
            _l("stündlich"),
            purge_wallet_job,
            counts=(("deleted", _l("gelöscht")),),
        )
    )
