"""Login with the eID (online ID card) through an OpenID Connect identity provider.

Germany's eID reaches municipalities through identity providers such as BundID (SAML); the
portal speaks OpenID Connect, so BundID is connected through an OIDC broker, or any OIDC-capable
state IdP directly, by configuration alone (``OIDC_*`` settings). Without them, outside
production, the development identity provider (``server.auth.dev_idp``) stands in for the eID
service, reached over HTTP like any other provider.

The flow is the authorization code flow with PKCE (S256); ``state`` and ``nonce`` live in the
browser's session; the ID token's signature is checked against the provider's JWKS, and its
``iss``, ``aud``, ``exp`` and ``nonce``; an ``iss`` in the authorization response (RFC 9207) must
be the provider's. Any failure ends the login: nothing is half-accepted. A login must bring
the given name, family name, date of birth and address (``MISSING_CLAIM_LABELS``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l
from joserfc.errors import JoseError
from werkzeug.wrappers import Response

from server.backends import Registry
from server.logs import get_logger

log = get_logger("auth")
TRUST_LEVELS = ("low", "substantial", "high")
# What a login must bring, as the citizen reads it when it is missing.
MISSING_CLAIM_LABELS = {
    "given_name": _l("Vorname"),
    "family_name": _l("Familienname"),
    "birthdate": _l("Geburtsdatum"),
    "address": _l("Anschrift"),
}


class EidLoginFailed(Exception):
    """The login did not complete; ``reason`` says why in words for the citizen's page."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class EidIdentity:
    issuer: str
    subject: str
    given_name: str
    family_name: str
    birthdate: date
    street: str | None
    postal_code: str | None
    locality: str | None
    country: str | None
    email: str | None
    trust_level: str
    id_token: str


def _levels(config: dict[str, Any]) -> dict[str, str]:
    """``OIDC_ACR_LEVELS`` like "urn:eid:low=low,urn:eid:high=high"."""
    pairs = (item.split("=", 1) for item in config["OIDC_ACR_LEVELS"].split(",") if "=" in item)
    return {acr.strip(): level.strip() for acr, level in pairs if level.strip() in TRUST_LEVELS}


def enabled(app: Flask | None = None) -> bool:
    return "eid_oauth" in (app or current_app).extensions


@dataclass(frozen=True)
class ProviderSettings:
    issuer: str
    client_id: str
    client_secret: str
    development: bool


SettingsFactory = Callable[[Flask], ProviderSettings]

#: The identity providers the eID button can use, by name: ``oidc`` (the configured
#: ``OIDC_ISSUER``) here, ``development`` registered by ``server.auth.dev_idp``.
IDENTITY_PROVIDERS: Registry[SettingsFactory] = Registry("identity provider")


def register_identity_provider(name: str, factory: SettingsFactory) -> None:
    IDENTITY_PROVIDERS.register(name, factory)


def _oidc(app: Flask) -> ProviderSettings:
    config = app.config
    return ProviderSettings(
        issuer=config["OIDC_ISSUER"].rstrip("/"),
        client_id=config["OIDC_CLIENT_ID"],
        client_secret=config["OIDC_CLIENT_SECRET"],
        development=False,
    )


register_identity_provider("oidc", _oidc)


def configured_provider(config: Mapping[str, Any]) -> str | None:
    """The configured one's name: ``OIDC_ISSUER`` wins over the development provider."""
    if config["OIDC_ISSUER"]:
        return "oidc"
    if config["DEV_EID_PROVIDER"]:
        return "development"
    return None


def provider_settings(app: Flask) -> ProviderSettings | None:
    """The provider the eID button uses: the configured one, else the development provider."""
    name = configured_provider(app.config)
    return None if name is None else IDENTITY_PROVIDERS.choose(name)(app)


def init_eid(app: Flask) -> None:
    """Register the eID client; again after ``PORTAL_BASE_URL`` changed (the demo's port)."""
    app.extensions.pop("eid_oauth", None)
    settings = provider_settings(app)
    if settings is None:
        return
    oauth = OAuth(app)
    oauth.register(
        "eid",
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        server_metadata_url=settings.issuer + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": app.config["OIDC_SCOPES"],
            "code_challenge_method": "S256",
            "timeout": 10,
        },
    )
    app.extensions["eid_oauth"] = oauth
    app.extensions["eid_settings"] = settings


def settings() -> ProviderSettings:
    found = current_app.extensions["eid_settings"]
    assert isinstance(found, ProviderSettings)
    return found


def _client() -> Any:
    return current_app.extensions["eid_oauth"].eid


def start_login(redirect_uri: str) -> Response:
    """The redirect to the identity provider (state, nonce and PKCE verifier go in the session)."""
    extra = {}
    if current_app.config["OIDC_ACR_VALUES"]:
        extra["acr_values"] = current_app.config["OIDC_ACR_VALUES"]
    try:
        redirect: Response = _client().authorize_redirect(redirect_uri, **extra)
    except (requests.RequestException, OAuthError, ValueError) as error:
        raise EidLoginFailed("unreachable", str(error)) from error
    return redirect


def _claim(claims: dict[str, Any], name: str) -> Any:
    value: Any = claims
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def finish_login() -> EidIdentity:
    """Check the provider's answer and read the verified identity from it."""
    client = _client()
    if "error" in request.args:
        raise EidLoginFailed("refused", request.args.get("error", ""))
    try:
        metadata = client.load_server_metadata()
    except requests.RequestException as error:
        raise EidLoginFailed("unreachable", str(error)) from error
    returned_issuer = request.args.get("iss")
    if returned_issuer is not None and returned_issuer != metadata.get("issuer"):
        raise EidLoginFailed("invalid", f"iss {returned_issuer!r} in the response")
    try:
        token = client.authorize_access_token()
        claims = dict(token.get("userinfo") or {})
        userinfo = dict(client.userinfo(token=token))
        if userinfo.get("sub") != claims.get("sub"):
            raise ValueError("userinfo is about another subject than the ID token")
        claims.update(userinfo)
    except MismatchingStateError as error:
        raise EidLoginFailed("state", str(error)) from error
    except (OAuthError, AuthlibBaseError, JoseError, ValueError, KeyError) as error:
        raise EidLoginFailed("invalid", f"{type(error).__name__}: {error}") from error
    except requests.RequestException as error:
        raise EidLoginFailed("unreachable", str(error)) from error
    return _identity(claims, metadata.get("issuer", ""), token.get("id_token", ""))


def _has_address(address: Any) -> bool:
    """A place to live: the portal's services are for the city's residents and need it."""
    return isinstance(address, dict) and bool(
        address.get("street_address") or address.get("locality")
    )


def _identity(claims: dict[str, Any], issuer: str, id_token: str) -> EidIdentity:
    config = current_app.config
    birth = _claim(claims, config["OIDC_CLAIM_BIRTHDATE"])
    address = _claim(claims, config["OIDC_CLAIM_ADDRESS"]) or {}
    missing = [
        name
        for name, value in (
            ("given_name", claims.get("given_name")),
            ("family_name", claims.get("family_name")),
            ("birthdate", birth),
            ("address", _has_address(address)),
        )
        if not value
    ]
    if missing:
        raise EidLoginFailed("missing", ", ".join(missing))
    try:
        birthdate = date.fromisoformat(str(birth))
    except ValueError as error:
        raise EidLoginFailed("missing", "birthdate") from error
    level = _levels(config).get(str(claims.get("acr", "")), "low")
    return EidIdentity(
        issuer=issuer,
        subject=str(claims["sub"]),
        given_name=str(claims["given_name"]),
        family_name=str(claims["family_name"]),
        birthdate=birthdate,
        street=address.get("street_address") if isinstance(address, dict) else None,
        postal_code=address.get("postal_code") if isinstance(address, dict) else None,
        locality=address.get("locality") if isinstance(address, dict) else None,
        country=address.get("country") if isinstance(address, dict) else None,
        email=claims.get("email"),
        trust_level=level,
        id_token=id_token,
    )


def logout_url(id_token: str | None, post_logout_redirect_uri: str) -> str | None:
    """RP-initiated logout at the provider, if it offers it and the citizen logged in there
    (a password login has nothing to end at the provider)."""
    if not enabled() or not id_token:
        return None
    try:
        metadata = _client().load_server_metadata()
    except requests.RequestException:
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return None
    query = {
        "post_logout_redirect_uri": post_logout_redirect_uri,
        "client_id": settings().client_id,
    }
    query["id_token_hint"] = id_token
    return str(requests.Request("GET", endpoint, params=query).prepare().url)
