"""The development identity provider's OpenID Connect side, built on Authlib's server classes.

Authorization code flow only, PKCE with S256 required, a nonce required, one confidential
client (the portal itself, authenticated with ``client_secret_basic`` or ``client_secret_post``),
ID tokens signed with RS256, the RFC 9207 ``iss`` in every authorization response, userinfo
and RP-initiated logout.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9207 import IssuerParameter
from authlib.oidc.core import UserInfo, UserInfoEndpoint
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.rpinitiated import EndSessionEndpoint, EndSessionRequest
from flask import Flask, current_app
from joserfc.jwk import KeySet, RSAKey

from server.auth.dev_idp.persons import TestPerson, person_by_subject
from server.auth.dev_idp.store import DevIdpStore
from server.logs import get_logger

log = get_logger("auth")

PATH = "/dev-eid"
SCOPES = ("openid", "profile", "email", "address")
CODE_SECONDS = 300
TOKEN_SECONDS = 600
ID_TOKEN_SECONDS = 600
DEFAULT_ACR = {
    "low": "urn:eid:low",
    "substantial": "urn:eid:substantial",
    "high": "urn:eid:high",
}


def issuer(app: Flask | None = None) -> str:
    return str((app or current_app).config["PORTAL_BASE_URL"]) + PATH


def client_credentials(app: Flask) -> tuple[str, str]:
    """The portal's client id and secret at the development provider.

    Derived from ``SECRET_KEY`` instead of configured: nobody has to set them, every worker
    process of one installation derives the same ones, and they change with the key.
    """
    key = str(app.config["SECRET_KEY"]).encode("utf-8")
    client_id = "portal-" + hmac.new(key, b"dev-eid client id", hashlib.sha256).hexdigest()[:16]
    secret = hmac.new(key, b"dev-eid client secret", hashlib.sha256).hexdigest()
    return client_id, secret


def acr_for(level: str, app: Flask | None = None) -> str:
    """The ``acr`` the provider reports for a trust level.

    The first value that the portal's ``OIDC_ACR_LEVELS`` maps to this level, so that the
    development provider speaks the levels the portal is configured to understand.
    """
    for item in str((app or current_app).config["OIDC_ACR_LEVELS"]).split(","):
        acr, _, mapped = item.partition("=")
        if mapped.strip() == level and acr.strip():
            return acr.strip()
    return DEFAULT_ACR[level]


# -- the portal as the provider's one client ---------------------------------------------------


@dataclass
class PortalClient(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]

    @property
    def id_token_signed_response_alg(self) -> str:
        return "RS256"

    @property
    def client_metadata(self) -> dict[str, Any]:
        return {
            "redirect_uris": self.redirect_uris,
            "post_logout_redirect_uris": self.post_logout_redirect_uris,
            "token_endpoint_auth_method": "client_secret_basic",
        }

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str | None) -> str:
        return " ".join(part for part in (scope or "").split() if part in SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret.encode(), self.client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


def portal_client() -> PortalClient:
    from server.urls import public_url

    client_id, secret = client_credentials(current_app)
    return PortalClient(
        client_id=client_id,
        client_secret=secret,
        redirect_uris=[public_url("auth.eid_callback")],
        post_logout_redirect_uris=[public_url("auth.account")],
    )


def query_client(client_id: str | None) -> PortalClient | None:
    client = portal_client()
    return client if client_id == client.client_id else None


# -- codes and tokens ---------------------------------------------------------------------------


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):
    record: dict[str, Any]

    def get_redirect_uri(self) -> str:
        return str(self.record["redirect_uri"])

    def get_scope(self) -> str:
        return str(self.record["scope"])

    def get_nonce(self) -> str | None:
        return self.record.get("nonce")

    def get_auth_time(self) -> int:
        return int(self.record["auth_time"])

    def get_acr(self) -> str:
        return str(self.record["acr"])

    def get_amr(self) -> list[str]:
        return list(self.record["amr"])

    @property
    def code_challenge(self) -> str | None:
        return self.record.get("code_challenge")

    @property
    def code_challenge_method(self) -> str | None:
        return self.record.get("code_challenge_method")


@dataclass
class AccessToken(TokenMixin):
    record: dict[str, Any]
    client: PortalClient | None = field(default=None)

    @property
    def scope(self) -> str:
        return str(self.record["scope"])

    def check_client(self, client: ClientMixin) -> bool:
        return bool(client.get_client_id() == self.record["client_id"])

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return int(self.record["expires_in"])

    def is_expired(self) -> bool:
        return bool(self.record["expires_at"] <= time.time())

    def is_revoked(self) -> bool:
        return False

    def get_user(self) -> TestPerson | None:
        return person_by_subject(self.record["sub"])

    def get_client(self) -> PortalClient | None:
        return self.client


def user_info(person: TestPerson, scope: str) -> UserInfo:
    return UserInfo(person.claims()).filter(scope)


class PortalAuthorizationServer(AuthorizationServer):
    def __init__(self, app: Flask, store: DevIdpStore) -> None:
        self.store = store
        super().__init__(app, query_client=query_client, save_token=self._save_token)

    def load_config(self, config: Any) -> None:
        # Authlib's settings live in the app's config; the provider's own constants win, so that
        # ``expires_in`` says what the store keeps.
        super().load_config({"OAUTH2_TOKEN_EXPIRES_IN": {"authorization_code": TOKEN_SECONDS}})

    def _save_token(self, token: dict[str, Any], request: Any) -> None:
        self.store.save(
            "tokens",
            token["access_token"],
            {
                "client_id": request.client.get_client_id(),
                "sub": request.user.subject,
                "scope": token.get("scope", ""),
                "expires_in": token.get("expires_in", TOKEN_SECONDS),
            },
            TOKEN_SECONDS,
        )


def store() -> DevIdpStore:
    server = current_app.extensions["dev_eid"]
    assert isinstance(server, PortalAuthorizationServer)
    return server.store


class CodeGrant(AuthorizationCodeGrant):
    def save_authorization_code(self, code: str, request: Any) -> None:
        person: TestPerson = request.user
        data = request.payload.data
        nonce = data.get("nonce")
        record = {
            "client_id": request.client.get_client_id(),
            "redirect_uri": request.payload.redirect_uri,
            "scope": request.scope,
            "sub": person.subject,
            "nonce": nonce,
            "auth_time": int(time.time()),
            "acr": acr_for(person.level),
            # RFC 8176: "hwk" proof with a hardware key (the card's chip), "pin" for its PIN.
            "amr": ["hwk", "pin"] if person.level == "high" else ["swk", "pwd"],
            "code_challenge": data.get("code_challenge"),
            "code_challenge_method": data.get("code_challenge_method"),
        }
        self.server.store.save("codes", code, record, CODE_SECONDS)
        if nonce:
            self.server.store.save("nonces", _nonce_key(record["client_id"], nonce), {}, 3600)

    def query_authorization_code(self, code: str, client: ClientMixin) -> Any:
        # Taken, not read: a code is redeemed once even when two requests race for it.
        record = self.server.store.take("codes", code)
        if record is None or record["client_id"] != client.get_client_id():
            return None
        return AuthorizationCode(record)

    def delete_authorization_code(self, authorization_code: Any) -> None:
        """Already gone: ``query_authorization_code`` took it."""

    def authenticate_user(self, authorization_code: AuthorizationCode) -> TestPerson | None:
        return person_by_subject(authorization_code.record["sub"])


def _nonce_key(client_id: str, nonce: str) -> str:
    return f"{client_id}\n{nonce}"


class S256Challenge(CodeChallenge):
    """PKCE is required, and only with S256 (RFC 9700 recommends nothing else)."""

    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        if not grant.request.payload.data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge': PKCE (S256) is required.")
        if grant.request.payload.data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


class IdToken(OpenIDCode):
    def __init__(self) -> None:
        super().__init__(require_nonce=True)

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return store().exists("nonces", _nonce_key(request.payload.client_id, nonce))

    def resolve_client_private_key(self, client: ClientMixin) -> RSAKey:
        return store().signing_key()

    def get_client_algorithm(self, client: ClientMixin) -> str:
        return "RS256"

    def get_encode_header(self, client: ClientMixin) -> dict[str, str]:
        return {"alg": "RS256", "kid": str(store().signing_key().kid), "typ": "JWT"}

    def get_client_claims(self, client: ClientMixin) -> dict[str, Any]:
        now = int(time.time())
        return {
            "iss": issuer(),
            "aud": client.get_client_id(),
            "iat": now,
            "exp": now + ID_TOKEN_SECONDS,
        }

    def generate_user_info(self, user: TestPerson, scope: str) -> UserInfo:
        return user_info(user, scope)


class Issuer(IssuerParameter):
    def get_issuer(self) -> str:
        return issuer()


class UserInfoAnswer(UserInfoEndpoint):
    def get_issuer(self) -> str:
        return issuer()

    def generate_user_info(self, user: TestPerson, scope: str) -> UserInfo:
        return user_info(user, scope)

    def resolve_private_key(self) -> RSAKey:
        return store().signing_key()


class TokenValidator(BearerTokenValidator):
    def authenticate_token(self, token_string: str) -> AccessToken | None:
        record = store().load("tokens", token_string)
        if record is None:
            return None
        return AccessToken(record, query_client(record["client_id"]))


class EndSession(EndSessionEndpoint):
    def get_server_jwks(self) -> KeySet:
        return KeySet([store().signing_key()])

    def get_algorithms(self) -> list[str]:
        return ["RS256"]

    def end_session(self, end_session_request: EndSessionRequest) -> None:
        # Like the eID, the provider keeps no login session of its own (each login asks for
        # the person again), so there is nothing to end here beyond saying so in the log.
        log.info(
            "development eID provider: logout",
            extra={"redirect": bool(end_session_request.redirect_uri)},
        )


def create_server(app: Flask, store: DevIdpStore) -> PortalAuthorizationServer:
    server = PortalAuthorizationServer(app, store)
    server.register_grant(CodeGrant, [IdToken(), S256Challenge(required=True)])
    server.register_extension(Issuer())
    protector = ResourceProtector()
    protector.register_token_validator(TokenValidator())
    server.register_endpoint(UserInfoAnswer(resource_protector=protector))
    server.register_endpoint(EndSession)
    return server


def metadata() -> dict[str, Any]:
    """The discovery document (OpenID Connect Discovery 1.0, RFC 8414, RFC 9207)."""
    base = issuer()
    levels = ("low", "substantial", "high")
    return {
        "issuer": base,
        "authorization_endpoint": base + "/authorize",
        "token_endpoint": base + "/token",
        "userinfo_endpoint": base + "/userinfo",
        "jwks_uri": base + "/jwks",
        "end_session_endpoint": base + "/logout",
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "acr",
            "amr",
            "given_name",
            "family_name",
            "birthdate",
            "address",
            "email",
            "email_verified",
        ],
        "acr_values_supported": [acr_for(level) for level in levels],
        "authorization_response_iss_parameter_supported": True,
        "ui_locales_supported": ["de"],
    }
