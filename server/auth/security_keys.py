"""Security keys and passkeys (WebAuthn, with the ``webauthn`` package) as a clerk's second factor
besides the authenticator app.

A clerk adds keys once logged in; at the next login the code page offers "Mit Sicherheitsschlüssel
bestätigen" where the browser has WebAuthn. The relying party is the portal's host from
``PORTAL_BASE_URL`` (WebAuthn refuses IP addresses: use a host name such as ``localhost``); the
origin must be that base URL. The authenticator app stays set up as the fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import delete, select
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import parse_authentication_credential_json
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from server.audit import log as audit
from server.auth.models import Clerk
from server.auth.second_factor_models import ClerkSecurityKey
from server.db import utcnow
from server.extensions import db
from server.logs import get_logger

log = get_logger("auth")
MAX_KEYS = 10


class KeyRefused(ValueError):
    """The browser's answer does not prove what it should (or the clerk has enough keys)."""


@dataclass(frozen=True)
class RelyingParty:
    rp_id: str
    origin: str
    name: str


def relying_party() -> RelyingParty:
    base = str(current_app.config["PORTAL_BASE_URL"])
    parts = urlsplit(base)
    return RelyingParty(
        rp_id=parts.hostname or "localhost",
        origin=f"{parts.scheme}://{parts.netloc}",
        name=f"Bürgerportal {current_app.config['PORTAL_CITY_NAME']}",
    )


def keys_of(clerk: Clerk) -> list[ClerkSecurityKey]:
    return list(
        db.session.scalars(
            select(ClerkSecurityKey)
            .where(ClerkSecurityKey.clerk_id == clerk.id)
            .order_by(ClerkSecurityKey.id)
        )
    )


def has_keys(clerk: Clerk) -> bool:
    return bool(keys_of(clerk))


def _descriptors(clerk: Clerk) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=key.credential_id) for key in keys_of(clerk)]


def registration_options(clerk: Clerk) -> tuple[str, bytes]:
    """Options for ``navigator.credentials.create`` as JSON, and the challenge to keep."""
    party = relying_party()
    options = generate_registration_options(
        rp_id=party.rp_id,
        rp_name=party.name,
        user_name=clerk.username,
        user_id=f"clerk-{clerk.id}".encode(),
        user_display_name=clerk.display_name,
        exclude_credentials=_descriptors(clerk),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    return options_to_json(options), options.challenge


def add_key(
    clerk: Clerk, response: dict[str, Any], challenge: bytes, name: str
) -> ClerkSecurityKey:
    if len(keys_of(clerk)) >= MAX_KEYS:
        raise KeyRefused("too many keys")
    party = relying_party()
    try:
        verified = verify_registration_response(
            credential=response,
            expected_challenge=challenge,
            expected_rp_id=party.rp_id,
            expected_origin=party.origin,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        log.warning("security key refused", extra={"clerk": clerk.username, "why": str(error)})
        raise KeyRefused(str(error)) from error
    with db.transaction() as session:
        if session.scalar(
            select(ClerkSecurityKey.id).where(
                ClerkSecurityKey.credential_id == verified.credential_id
            )
        ):
            raise KeyRefused("key already registered")
        key = ClerkSecurityKey(
            clerk_id=clerk.id,
            credential_id=verified.credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            name=name.strip()[:100] or "Sicherheitsschlüssel",
        )
        session.add(key)
        session.flush()
        audit.record(f"clerk:{clerk.username}", "clerk.security_key_added", "clerk", clerk.id)
    return key


def remove_key(clerk: Clerk, key_id: int) -> bool:
    with db.transaction() as session:
        removed = session.execute(
            delete(ClerkSecurityKey).where(
                ClerkSecurityKey.id == key_id, ClerkSecurityKey.clerk_id == clerk.id
            )
        )
        if getattr(removed, "rowcount", 0) != 1:
            return False
        audit.record(f"clerk:{clerk.username}", "clerk.security_key_removed", "clerk", clerk.id)
    return True


def authentication_options(clerk: Clerk) -> tuple[str, bytes]:
    options = generate_authentication_options(
        rp_id=relying_party().rp_id,
        allow_credentials=_descriptors(clerk),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json(options), options.challenge


def verify_login(clerk: Clerk, response: dict[str, Any], challenge: bytes) -> bool:
    """Whether the browser's answer proves one of this clerk's keys; every outcome is audited."""
    party = relying_party()
    actor = f"clerk:{clerk.username}"
    keys = {key.credential_id: key for key in keys_of(clerk)}
    try:
        credential = parse_authentication_credential_json(response)
        key = keys.get(credential.raw_id)
        if key is None:
            raise InvalidAuthenticationResponse("not one of this clerk's keys")
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=party.rp_id,
            expected_origin=party.origin,
            credential_public_key=key.public_key,
            credential_current_sign_count=key.sign_count,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        log.warning("security key login refused", extra={"clerk": clerk.username})
        audit.record_now(actor, "clerk.second_factor_failed", "clerk", clerk.id, "security_key")
        log.info("security key refused because", extra={"why": str(error)})
        return False
    with db.transaction():
        key.sign_count = verified.new_sign_count
        key.last_used_at = utcnow()
    return True
