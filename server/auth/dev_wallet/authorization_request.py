"""The wallet's side of a request: fetch the signed request object from the ``request_uri``,
check it as a wallet must (OpenID4VP 1.0 §5, §5.9.3), and read what it asks for.

Checked: the JWS signature (ES256, ``typ`` ``oauth-authz-req+jwt``) with the key of the leaf
certificate in ``x5c``, that chain up to the development verifier CA (the only verifier this
wallet trusts), the client id of the link equal to the one signed, and its prefix:
``x509_san_dns`` names a DNS name of the leaf, and the response URI's host is that name;
``x509_hash`` is the hash of the leaf. The request must not have expired. This development
wallet answers only its own portal, so request and response URI must be on
``PORTAL_BASE_URL`` (it fetches and posts nothing else).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from jwcrypto import jwk, jws
from jwcrypto.common import JWException

from server.auth.wallet import trust
from server.auth.wallet.dcql import MDOC, PID_DOCTYPE, SD_JWT_VC
from server.auth.wallet.errors import VerificationFailed
from server.auth.wallet.settings import x509_hash

REQUEST_TYPE = "oauth-authz-req+jwt"
CONTENT_TYPE = "application/oauth-authz-req+jwt"
RESPONSE_MODES = ("direct_post", "direct_post.jwt")
ENC_VALUES = ("A128GCM", "A256GCM")
VCT_VALUES = ("urn:eudi:pid:de:1", "urn:eudi:pid:1")  # the PID types this wallet issues
TIMEOUT_SECONDS = 10


class RequestRefused(Exception):
    """The wallet does not answer this request; ``detail`` says why (shown on the page)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class CredentialQuery:
    """One credential query of the DCQL query that this wallet can answer."""

    id: str
    format: str  # ``dc+sd-jwt`` or ``mso_mdoc``
    paths: tuple[tuple[str, ...], ...]  # the claims asked for
    vct: str | None  # the PID type to present (SD-JWT VC)


@dataclass(frozen=True)
class AuthorizationRequest:
    token: str  # the signed request object, kept in the page's form until the answer
    client_id: str  # with its prefix
    verifier_name: str  # organisation and common name of the verifier certificate
    response_uri: str
    response_mode: str
    nonce: str
    state: str | None
    queries: tuple[CredentialQuery, ...]
    encryption_key: dict[str, Any] | None  # direct_post.jwt: the verifier's public key
    enc: str  # content encryption of the answer
    expires_at: datetime | None

    @property
    def encrypted(self) -> bool:
        return self.response_mode == "direct_post.jwt"

    def query(self, format_: str) -> CredentialQuery | None:
        return next((query for query in self.queries if query.format == format_), None)


def same_origin(url: str, base_url: str) -> bool:
    mine, theirs = urlsplit(base_url), urlsplit(url)
    return (theirs.scheme, theirs.netloc) == (mine.scheme, mine.netloc)


def fetch(request_uri: str, base_url: str) -> str:
    """The request object behind ``request_uri`` (GET, OpenID4VP 1.0 §5.10)."""
    if not same_origin(request_uri, base_url):
        raise RequestRefused("request_uri is not an address of this portal")
    try:
        response = requests.get(
            request_uri,
            headers={"Accept": CONTENT_TYPE},
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as error:
        raise RequestRefused(f"request_uri not reachable ({type(error).__name__})") from error
    if response.status_code != 200:
        raise RequestRefused(f"request_uri answered {response.status_code}")
    return response.text.strip()


def _header(token: str) -> dict[str, Any]:
    try:
        header = json.loads(base64.urlsafe_b64decode(_padded(token.split(".")[0])))
    except (ValueError, UnicodeDecodeError) as error:
        raise RequestRefused("the request object is not a JWS") from error
    if not isinstance(header, dict):
        raise RequestRefused("the request object is not a JWS")
    return header


def _padded(part: str) -> str:
    return part + "=" * (-len(part) % 4)


def _chain(header: dict[str, Any]) -> list[x509.Certificate]:
    x5c = header.get("x5c")
    if not isinstance(x5c, list) or not x5c:
        raise RequestRefused("the request object carries no certificate (x5c)")
    try:
        return [x509.load_der_x509_certificate(base64.b64decode(item)) for item in x5c]
    except (ValueError, TypeError) as error:
        raise RequestRefused("x5c holds no certificate") from error


def _verified_payload(
    token: str, verifier_root: x509.Certificate, now: datetime
) -> tuple[dict[str, Any], x509.Certificate]:
    header = _header(token)
    if header.get("typ") != REQUEST_TYPE or header.get("alg") != "ES256":
        raise RequestRefused("not a signed OpenID4VP request (typ, alg)")
    chain = _chain(header)
    try:
        trust.verify_chain(chain, [verifier_root], now)
    except VerificationFailed as error:
        raise RequestRefused(f"the verifier certificate is not trusted ({error.detail})") from error
    public = (
        chain[0]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    signed = jws.JWS()
    try:
        signed.deserialize(token, key=jwk.JWK.from_pem(public), alg="ES256")
        payload = json.loads(signed.payload)
    except (JWException, ValueError) as error:
        raise RequestRefused("the request object's signature does not hold") from error
    if not isinstance(payload, dict):
        raise RequestRefused("the request object is not a JSON object")
    return payload, chain[0]


def _dns_names(certificate: x509.Certificate) -> list[str]:
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    return [str(name) for name in names.value.get_values_for_type(x509.DNSName)]


def _check_client_id(client_id: str, leaf: x509.Certificate, response_uri: str) -> None:
    prefix, _, value = client_id.partition(":")
    if prefix == "x509_san_dns":
        if value not in _dns_names(leaf):
            raise RequestRefused("the certificate does not name the client id's DNS name")
        if urlsplit(response_uri).hostname != value:
            raise RequestRefused("the response_uri is not on the client id's host")
    elif prefix == "x509_hash":
        if value != x509_hash(leaf):
            raise RequestRefused("the client id is not the certificate's hash")
    else:
        raise RequestRefused(f"client id prefix {prefix!r} is not supported")


def _verifier_name(leaf: x509.Certificate) -> str:
    def attribute(oid: x509.ObjectIdentifier) -> str:
        values = leaf.subject.get_attributes_for_oid(oid)
        return str(values[0].value) if values else ""

    organisation = attribute(NameOID.ORGANIZATION_NAME)
    common_name = attribute(NameOID.COMMON_NAME)
    return f"{organisation} ({common_name})" if organisation and common_name else organisation


def _paths(query: dict[str, Any]) -> tuple[tuple[str, ...], ...]:
    claims = query.get("claims") or []
    paths = []
    for claim in claims if isinstance(claims, list) else []:
        path = claim.get("path") if isinstance(claim, dict) else None
        if isinstance(path, list) and path and all(isinstance(part, str) for part in path):
            paths.append(tuple(path))
    return tuple(paths)


def _answerable(query: Any) -> CredentialQuery | None:
    """The query as this wallet can answer it (a PID in either format), or None."""
    if not isinstance(query, dict) or not isinstance(query.get("id"), str):
        return None
    found = query.get("meta")
    meta: dict[str, Any] = found if isinstance(found, dict) else {}
    if query.get("format") == SD_JWT_VC:
        wanted = meta.get("vct_values") or []
        vct = next((value for value in VCT_VALUES if value in wanted), None)
        if vct is None:
            return None
        return CredentialQuery(query["id"], SD_JWT_VC, _paths(query), vct)
    if query.get("format") == MDOC and meta.get("doctype_value") == PID_DOCTYPE:
        return CredentialQuery(query["id"], MDOC, _paths(query), None)
    return None


def _queries(payload: dict[str, Any]) -> tuple[CredentialQuery, ...]:
    dcql = payload.get("dcql_query")
    credentials = dcql.get("credentials") if isinstance(dcql, dict) else None
    if not isinstance(credentials, list):
        raise RequestRefused("the request has no DCQL query")
    queries = tuple(found for found in map(_answerable, credentials) if found is not None)
    if not queries:
        raise RequestRefused("the request asks for nothing this wallet holds")
    return queries


def _encryption(payload: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    metadata = payload.get("client_metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    offered = metadata.get("encrypted_response_enc_values_supported") or ["A128GCM"]
    enc = next((value for value in offered if value in ENC_VALUES), None)
    if payload.get("response_mode") != "direct_post.jwt":
        return None, ENC_VALUES[0]
    jwks = metadata.get("jwks")
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    key = next(
        (
            key
            for key in keys or []
            if isinstance(key, dict)
            and key.get("kty") == "EC"
            and key.get("use", "enc") == "enc"
            and key.get("alg", "ECDH-ES") == "ECDH-ES"
        ),
        None,
    )
    if key is None or enc is None:
        raise RequestRefused("no key or content encryption this wallet can encrypt the answer to")
    return key, enc


def read(
    token: str,
    client_id: str,
    verifier_root: x509.Certificate,
    base_url: str,
    now: datetime | None = None,
) -> AuthorizationRequest:
    """The checked request; ``RequestRefused`` when the wallet must not answer it."""
    now = now or datetime.now(UTC)
    payload, leaf = _verified_payload(token, verifier_root, now)
    if payload.get("client_id") != client_id:
        raise RequestRefused("the link's client id is not the signed one")
    response_uri = payload.get("response_uri")
    if not isinstance(response_uri, str) or not same_origin(response_uri, base_url):
        raise RequestRefused("the response_uri is not an address of this portal")
    _check_client_id(client_id, leaf, response_uri)
    if payload.get("response_type") != "vp_token":
        raise RequestRefused("response_type is not vp_token")
    if payload.get("response_mode") not in RESPONSE_MODES:
        raise RequestRefused(f"response_mode {payload.get('response_mode')!r} is not supported")
    nonce = payload.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise RequestRefused("the request has no nonce")
    expires = payload.get("exp")
    expires_at = datetime.fromtimestamp(expires, UTC) if isinstance(expires, int) else None
    if expires_at is not None and expires_at <= now:
        raise RequestRefused("the request has expired")
    key, enc = _encryption(payload)
    state = payload.get("state")
    return AuthorizationRequest(
        token=token,
        client_id=client_id,
        verifier_name=_verifier_name(leaf),
        response_uri=response_uri,
        response_mode=str(payload["response_mode"]),
        nonce=nonce,
        state=state if isinstance(state, str) else None,
        queries=_queries(payload),
        encryption_key=key,
        enc=enc,
        expires_at=expires_at,
    )
