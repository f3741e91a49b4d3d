"""The verifier's configuration, read once at start from the ``WALLET_*`` settings
(``server/config.py`` describes each): certificates and keys parsed, the client id worked out,
and whatever cannot work refused with a ``ConfigurationError`` before the first request.

PEM settings take the PEM text itself or the path of a file holding it; a chain or a set of
trust anchors is several certificates one after another.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from server.auth.wallet.dcql import CLAIMS, FORMATS, REQUIRED_CLAIMS
from server.auth.wallet.models import ResponseMode
from server.config import ConfigurationError

CLIENT_ID_PREFIXES = ("x509_san_dns", "x509_hash")
# Content encryption of direct_post.jwt answers offered to the wallet (OpenID4VP 1.0 §5.1:
# without ``encrypted_response_enc_values_supported`` the wallet uses A128GCM alone).
ENCRYPTION_ENC_VALUES = ("A128GCM", "A256GCM")
# Certificates of the development issuer and verifier carry this organisation: refused in
# production, wherever they are configured.
DEVELOPMENT_ORGANIZATION = "Bürgerportal Entwicklung (nicht für den Betrieb)"


@dataclass(frozen=True)
class VerifierSettings:
    client_id: str  # with its prefix, e.g. ``x509_san_dns:portal.musterstadt.de``
    certificates: tuple[x509.Certificate, ...]  # leaf first: the request object's ``x5c``
    signing_key: ec.EllipticCurvePrivateKey
    trust_anchors: tuple[x509.Certificate, ...]
    claims: tuple[str, ...]  # logical names, see ``dcql.CLAIMS``
    formats: tuple[str, ...]  # ``dc+sd-jwt``, ``mso_mdoc``, in order of preference
    vct_values: tuple[str, ...]
    response_mode: ResponseMode
    authorization_endpoint: str
    transaction_lifetime: timedelta
    registration_certificate: str | None

    @property
    def x5c(self) -> list[str]:
        """The chain as the JOSE ``x5c`` header carries it: standard base64 of each DER."""
        return [
            base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii")
            for cert in self.certificates
        ]


def text_or_file(value: str, inline: str = "-----BEGIN") -> bytes:
    """A setting's text: the value itself when it starts like the text (``inline``), else the
    content of the file it names."""
    value = value.strip()
    if value.startswith(inline):
        return value.encode("ascii")
    path = Path(value)
    try:
        return path.read_bytes()
    except OSError as error:
        raise ConfigurationError(f"cannot read {path}: {error.strerror}") from error


def _certificates(setting: str, value: str) -> tuple[x509.Certificate, ...]:
    try:
        found = tuple(x509.load_pem_x509_certificates(text_or_file(value)))
    except ValueError as error:
        raise ConfigurationError(f"{setting}: no PEM certificate ({error})") from error
    return found


def _private_key(value: str) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(text_or_file(value), password=None)
    except (ValueError, TypeError) as error:
        raise ConfigurationError(
            f"WALLET_VERIFIER_KEY: not an unencrypted PEM key ({error})"
        ) from (error)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ConfigurationError("WALLET_VERIFIER_KEY: must be a P-256 key (ES256)")
    return key


def _dns_names(certificate: x509.Certificate) -> list[str]:
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    return [str(name) for name in names.value.get_values_for_type(x509.DNSName)]


def x509_hash(certificate: x509.Certificate) -> str:
    """OpenID4VP 1.0 §5.9.3: base64url (no padding) of the SHA-256 of the DER certificate."""
    digest = hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _client_id(prefix: str, leaf: x509.Certificate, host: str) -> str:
    if prefix == "x509_hash":
        return f"x509_hash:{x509_hash(leaf)}"
    # x509_san_dns: the wallet checks the name against the certificate and the response URI's
    # host against the name, so it must be this portal's host.
    if host not in _dns_names(leaf):
        raise ConfigurationError(
            f"WALLET_VERIFIER_CERTIFICATES: the leaf certificate names no DNS name {host!r} "
            f"(the host of PORTAL_BASE_URL), which x509_san_dns needs"
        )
    return f"x509_san_dns:{host}"


def _words(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(word.strip() for word in value.split(",") if word.strip())
    return tuple(str(word) for word in value)


def _checked_words(setting: str, value: Any, known: tuple[str, ...]) -> tuple[str, ...]:
    words = _words(value)
    unknown = [word for word in words if word not in known]
    if unknown or not words:
        raise ConfigurationError(
            f"{setting}: {', '.join(unknown) or 'empty'}; known: {', '.join(known)}"
        )
    return words


def _is_development(certificate: x509.Certificate) -> bool:
    names = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return any(name.value == DEVELOPMENT_ORGANIZATION for name in names)


def _production_checks(
    base_url: str, anchors: tuple[x509.Certificate, ...], chain: tuple[x509.Certificate, ...]
) -> None:
    if not base_url.startswith("https://"):
        raise ConfigurationError(
            "the wallet login needs PORTAL_BASE_URL with https:// in production"
        )
    if not anchors:
        raise ConfigurationError("the wallet login needs WALLET_TRUSTED_ISSUERS in production")
    now = datetime.now(UTC)
    for anchor in anchors:
        if _is_development(anchor):
            raise ConfigurationError(
                "WALLET_TRUSTED_ISSUERS: the development issuer is refused in production"
            )
        if anchor.not_valid_after_utc < now:
            raise ConfigurationError(
                f"WALLET_TRUSTED_ISSUERS: {anchor.subject.rfc4514_string()} has expired"
            )
    if any(_is_development(certificate) for certificate in chain):
        raise ConfigurationError(
            "WALLET_VERIFIER_CERTIFICATES: the development verifier certificate is refused in "
            "production"
        )


def load_settings(config: Mapping[str, Any]) -> VerifierSettings | None:
    """The verifier's settings, or None when no verifier certificate is configured (no wallet
    login). Raises ``ConfigurationError`` for anything that cannot work."""
    if not config.get("WALLET_VERIFIER_CERTIFICATES"):
        return None
    chain = _certificates("WALLET_VERIFIER_CERTIFICATES", config["WALLET_VERIFIER_CERTIFICATES"])
    if not config.get("WALLET_VERIFIER_KEY"):
        raise ConfigurationError(
            "WALLET_VERIFIER_KEY must be set with WALLET_VERIFIER_CERTIFICATES"
        )
    key = _private_key(config["WALLET_VERIFIER_KEY"])
    if key.public_key() != chain[0].public_key():
        raise ConfigurationError(
            "WALLET_VERIFIER_KEY does not belong to the first certificate of "
            "WALLET_VERIFIER_CERTIFICATES (the leaf comes first)"
        )
    anchors = (
        _certificates("WALLET_TRUSTED_ISSUERS", config["WALLET_TRUSTED_ISSUERS"])
        if config.get("WALLET_TRUSTED_ISSUERS")
        else ()
    )
    base_url = str(config["PORTAL_BASE_URL"])
    if config["PORTAL_ENV"] == "production":
        _production_checks(base_url, anchors, chain)
    prefix = str(config.get("WALLET_CLIENT_ID_PREFIX") or "x509_san_dns")
    if prefix not in CLIENT_ID_PREFIXES:
        raise ConfigurationError(
            f"WALLET_CLIENT_ID_PREFIX: {prefix!r}; known: {', '.join(CLIENT_ID_PREFIXES)}"
        )
    claims = _checked_words("WALLET_CLAIMS", config["WALLET_CLAIMS"], tuple(CLAIMS))
    missing = [name for name in REQUIRED_CLAIMS if name not in claims]
    if missing:
        raise ConfigurationError(f"WALLET_CLAIMS: the login needs {', '.join(missing)}")
    try:
        response_mode = ResponseMode(str(config["WALLET_RESPONSE_MODE"]))
    except ValueError as error:
        raise ConfigurationError(f"WALLET_RESPONSE_MODE: {error}") from error
    registration = str(config.get("WALLET_REGISTRATION_CERTIFICATE") or "").strip()
    if registration:  # the JWT, or a file with it
        registration = text_or_file(registration, inline="ey").decode("ascii").strip()
    minutes = int(config["WALLET_TRANSACTION_MINUTES"])
    if minutes < 1:
        raise ConfigurationError("WALLET_TRANSACTION_MINUTES must be at least 1")
    return VerifierSettings(
        client_id=_client_id(prefix, chain[0], urlsplit(base_url).hostname or ""),
        certificates=chain,
        signing_key=key,
        trust_anchors=anchors,
        claims=claims,
        formats=_checked_words("WALLET_PID_FORMATS", config["WALLET_PID_FORMATS"], FORMATS),
        vct_values=_words(config["WALLET_PID_VCT_VALUES"]),
        response_mode=response_mode,
        authorization_endpoint=str(config["WALLET_AUTHORIZATION_ENDPOINT"]),
        transaction_lifetime=timedelta(minutes=minutes),
        registration_certificate=registration or None,
    )
