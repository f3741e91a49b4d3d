"""The development wallet: a stand-in for the citizen's EUDI wallet, never in production.

Outside production, where no verifier certificate is configured (``WALLET_VERIFIER_CERTIFICATES``),
the portal serves a wallet of its own at ``/entwicklung/wallet`` (``DEV_WALLET``), and its
wallet login uses it exactly as it would use a real wallet: the link and the QR code open the
wallet page with ``client_id`` and ``request_uri``; the page fetches the signed request object
over HTTP, checks it, shows who asks for what, and posts the answer to the response URI,
encrypted where asked. Instead of a phone's wallet app with a PID from the Bundesdruckerei, it
holds the development identity provider's test persons (``dev_idp/persons.py``) and presents a
PID issued by a development issuer.

Its certificates (``pki.py``) are made once in ``DEV_WALLET_DIR``; ``development_settings``
gives the wallet login the ``WALLET_*`` settings that use them, and ``init_dev_wallet`` puts them
into the app's config before the verifier reads it (``server.auth.wallet.setup.init_wallet``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from flask import Flask

from server.auth.dev_wallet.pki import DevelopmentPki, is_ip_address, pem
from server.auth.wallet.settings import text_or_file
from server.config import ConfigurationError

PATH = "/entwicklung/wallet"


EXTENSION = "dev_wallet"
# The settings the development wallet fills in, of which the operator's own values count.
CONFIGURED = ("WALLET_VERIFIER_CERTIFICATES", "WALLET_TRUSTED_ISSUERS", "WALLET_CLIENT_ID_PREFIX")


def pki(app: Flask) -> DevelopmentPki:
    return DevelopmentPki(app.config["DEV_WALLET_DIR"])


def _configured(app: Flask) -> dict[str, str]:
    """The configured values of ``CONFIGURED``, as they were before ``init_dev_wallet`` filled
    them in (a second call, after the demo moved to its port, must not take its own values
    for the operator's)."""
    kept = app.extensions.get(EXTENSION)
    if isinstance(kept, dict):
        return kept
    return {name: str(app.config.get(name) or "").strip() for name in CONFIGURED}


def development_settings(app: Flask) -> dict[str, Any]:
    """The ``WALLET_*`` settings for the development wallet at this ``PORTAL_BASE_URL``: the
    development verifier certificate for its host, the development issuer added to the trust
    anchors, the wallet page as the link's target. ``x509_san_dns`` needs a DNS name, so an IP
    address as host (``127.0.0.1``, a phone in the local network) uses ``x509_hash``."""
    configured = _configured(app)
    base_url = str(app.config["PORTAL_BASE_URL"]).rstrip("/")
    host = urlsplit(base_url).hostname or "localhost"
    folder = pki(app)
    verifier = folder.verifier(host)
    anchors = pem(folder.issuer().root)
    if configured["WALLET_TRUSTED_ISSUERS"]:  # e.g. another test issuer besides this one
        extra = text_or_file(configured["WALLET_TRUSTED_ISSUERS"]).decode("ascii").strip()
        anchors = f"{extra}\n{anchors}"
    prefix = configured["WALLET_CLIENT_ID_PREFIX"] or "x509_san_dns"
    return {
        "WALLET_VERIFIER_CERTIFICATES": verifier.chain_pem,
        "WALLET_VERIFIER_KEY": verifier.key_pem,
        "WALLET_TRUSTED_ISSUERS": anchors,
        "WALLET_CLIENT_ID_PREFIX": "x509_hash" if is_ip_address(host) else prefix,
        "WALLET_AUTHORIZATION_ENDPOINT": base_url + PATH,
    }


def init_dev_wallet(app: Flask) -> None:
    """Serve the development wallet and point the wallet login at it, where ``DEV_WALLET`` is
    on. Call it before ``init_wallet``, and again, with it, after ``PORTAL_BASE_URL`` changed
    (the demo): the verifier certificate names the host."""
    if not app.config.get("DEV_WALLET"):
        return
    if app.config["PORTAL_ENV"] == "production":
        raise ConfigurationError("the development wallet (DEV_WALLET) is refused in production")
    configured = app.extensions.setdefault(EXTENSION, _configured(app))
    if configured["WALLET_VERIFIER_CERTIFICATES"]:
        raise ConfigurationError(
            "DEV_WALLET brings its own verifier certificate: leave WALLET_VERIFIER_CERTIFICATES "
            "empty for it, or set DEV_WALLET=no"
        )
    app.config.update(development_settings(app))
    from server.auth.dev_wallet.views import bp

    if bp.name not in app.blueprints:
        app.register_blueprint(bp)


def trusted_verifier(app: Flask) -> x509.Certificate:
    """The one verifier CA this wallet answers: the development one."""
    return pki(app).verifier_root()
