"""Citizen accounts with e-mail address and password: registration, confirmation, login,
password reset and the citizen's own name and address. Queries live here, not in views.

No answer tells a stranger whether an address has an account: registering a known address sends
its owner a mail instead of an error, and "forgot password" answers the same for every address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from server.audit import log as audit
from server.auth import account_mail, throttle
from server.auth.account_tokens import Link, LinkState, claim, issue_token, look_up, use_all
from server.auth.models import Citizen, TokenPurpose
from server.auth.password_policy import normalise_password
from server.auth.passwords import hash_password, needs_rehash, verify_password
from server.db import utcnow
from server.extensions import db
from server.logs import get_logger

log = get_logger("auth")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _hash(password: str) -> str:
    return hash_password(normalise_password(password))


def _confirm_lifetime() -> timedelta:
    return timedelta(hours=int(current_app.config["ACCOUNT_CONFIRM_LINK_HOURS"]))


def _reset_lifetime() -> timedelta:
    return timedelta(minutes=int(current_app.config["PASSWORD_RESET_LINK_MINUTES"]))


def find_account(email: str) -> Citizen | None:
    return db.session.scalar(select(Citizen).where(Citizen.login_email == normalise_email(email)))


# --- registration and confirmation ---------------------------------------------------------


def register(email: str, password: str) -> None:
    """Create the account (or, for a known address, tell its owner) and mail the link.

    The caller answers the same whatever happened here."""
    email = normalise_email(email)
    password_hash = _hash(password)
    try:
        _register(email, password_hash)
    except IntegrityError:
        # The same address registered at the same moment (a second click, another tab): the
        # request that created the account mails its link; this one changes nothing.
        db.session.rollback()


def _register(email: str, password_hash: str) -> None:
    with db.transaction():
        citizen = find_account(email)
        if citizen is not None and citizen.confirmed:
            audit.record("anonymous", "citizen.register_existing", "citizen", citizen.id)
            if throttle.may_mail(email):
                token = issue_token(citizen, TokenPurpose.RESET, _reset_lifetime())
                account_mail.already_registered_mail(email, token)
            return
        if citizen is not None:
            # Registered before, not confirmed: whoever typed this password may not be the
            # owner of the mailbox, so it is not taken, and the older links, which confirm the
            # passwords typed then, stop working. The mailbox's owner gets a link to confirm the
            # address by choosing a password there.
            use_all(citizen.id, TokenPurpose.CONFIRM)
            audit.record("anonymous", "citizen.register_unconfirmed_again", "citizen", citizen.id)
            if throttle.may_mail(email):
                token = issue_token(citizen, TokenPurpose.RESET, _reset_lifetime())
                account_mail.registration_again_mail(email, token)
            return
        citizen = Citizen(given_name="", family_name="", login_email=email, email=email)
        db.session.add(citizen)
        citizen.password_hash = password_hash
        db.session.flush()
        audit.record(f"citizen:{citizen.id}", "citizen.register", "citizen", citizen.id)
        if throttle.may_mail(email):
            token = issue_token(
                citizen, TokenPurpose.CONFIRM, _confirm_lifetime(), password_hash=password_hash
            )
            account_mail.confirmation_mail(email, token)
    log.info("citizen registration", extra={"citizen": citizen.id})


def confirmation_link(raw: str) -> Link:
    return look_up(raw, TokenPurpose.CONFIRM)


def confirm(raw: str) -> Link:
    """Confirm the address with this link; returns the link's state before it was followed."""
    with db.transaction():
        link = confirmation_link(raw)
        if link.state is not LinkState.VALID or link.token is None:
            return link
        if not claim(link.token):
            return Link(LinkState.USED, link.token)
        citizen = link.token.citizen
        if link.token.password_hash:
            citizen.password_hash = link.token.password_hash
        citizen.email_confirmed_at = utcnow()
        use_all(citizen.id, TokenPurpose.CONFIRM)
        audit.record(f"citizen:{citizen.id}", "citizen.confirm", "citizen", citizen.id)
    log.info("citizen confirmed the e-mail address", extra={"citizen": citizen.id})
    return link


def resend_confirmation(email: str) -> None:
    """A new confirmation link, if this address has an unconfirmed account (answer the same)."""
    email = normalise_email(email)
    with db.transaction():
        citizen = find_account(email)
        if citizen is None or citizen.confirmed or not throttle.may_mail(email):
            return
        token = issue_token(
            citizen, TokenPurpose.CONFIRM, _confirm_lifetime(), password_hash=citizen.password_hash
        )
        account_mail.confirmation_mail(email, token)
        audit.record("anonymous", "citizen.confirmation_resent", "citizen", citizen.id)


class Renewal(StrEnum):
    SENT = "sent"
    CONFIRMED = "confirmed"  # nothing to send: the account is confirmed already
    UNKNOWN = "unknown"


def renew_link(raw: str, purpose: TokenPurpose) -> Renewal:
    """Send a fresh link in place of an expired or used one, to the same account's address."""
    with db.transaction():
        link = look_up(raw, purpose)
        if link.token is None:
            return Renewal.UNKNOWN
        citizen = link.token.citizen
        email = citizen.login_email
        if email is None:
            return Renewal.UNKNOWN
        if purpose is TokenPurpose.CONFIRM and citizen.confirmed:
            return Renewal.CONFIRMED
        if throttle.may_mail(email):
            if purpose is TokenPurpose.CONFIRM:
                token = issue_token(
                    citizen,
                    purpose,
                    _confirm_lifetime(),
                    password_hash=link.token.password_hash,
                )
                account_mail.confirmation_mail(email, token)
            else:
                account_mail.reset_mail(email, issue_token(citizen, purpose, _reset_lifetime()))
        audit.record("anonymous", f"citizen.{purpose.value}_link_renewed", "citizen", citizen.id)
    return Renewal.SENT


# --- login -----------------------------------------------------------------------------


class LoginOutcome(StrEnum):
    OK = "ok"
    WRONG = "wrong"
    UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    citizen: Citizen | None = None


def authenticate(email: str, password: str) -> LoginResult:
    """Check the password (as long for unknown addresses as for known ones); audit the result.

    Only the right password learns that the account waits for confirmation."""
    email = normalise_email(email)
    citizen = find_account(email)
    password = normalise_password(password)
    stored = citizen.password_hash if citizen is not None else None
    if not verify_password(stored, password) or citizen is None:
        audit.record_now(
            "anonymous",
            "citizen.login_failed",
            "citizen",
            citizen.id if citizen is not None else "unknown",
        )
        log.warning("citizen password login failed")
        return LoginResult(LoginOutcome.WRONG, citizen)
    if not citizen.confirmed:
        audit.record_now("anonymous", "citizen.login_refused", "citizen", citizen.id, "unconfirmed")
        return LoginResult(LoginOutcome.UNCONFIRMED, citizen)
    with db.transaction():
        citizen.last_login_at = utcnow()
        if stored is not None and needs_rehash(stored):
            citizen.password_hash = hash_password(password)
        audit.record(f"citizen:{citizen.id}", "citizen.login.password", "citizen", citizen.id)
    log.info("citizen logged in with password", extra={"citizen": citizen.id})
    return LoginResult(LoginOutcome.OK, citizen)


def record_throttled(email: str, scope: str) -> None:
    citizen = find_account(email)
    audit.record_now(
        "anonymous",
        "citizen.login_throttled",
        "citizen",
        citizen.id if citizen is not None else "unknown",
        scope,
    )


# --- password reset ----------------------------------------------------------------------


def request_reset(email: str) -> None:
    """Mail a reset link if this address has a password account (answer the same either way)."""
    email = normalise_email(email)
    with db.transaction():
        citizen = find_account(email)
        if citizen is None or not throttle.may_mail(email):
            return
        account_mail.reset_mail(email, issue_token(citizen, TokenPurpose.RESET, _reset_lifetime()))
        audit.record("anonymous", "citizen.password_reset_requested", "citizen", citizen.id)


def reset_link(raw: str) -> Link:
    return look_up(raw, TokenPurpose.RESET)


def reset_password(link: Link, password: str) -> Citizen | None:
    """Set the new password with a valid link; None if the link was used meanwhile.

    Following the link proves the mailbox, so an unconfirmed account is confirmed too."""
    assert link.token is not None
    with db.transaction():
        if not claim(link.token):
            return None
        citizen = link.token.citizen
        citizen.password_hash = _hash(password)
        citizen.password_changed_at = utcnow()
        if citizen.email_confirmed_at is None:
            citizen.email_confirmed_at = utcnow()
            use_all(citizen.id, TokenPurpose.CONFIRM)
        use_all(citizen.id, TokenPurpose.RESET)
        if citizen.login_email:
            account_mail.password_changed_mail(citizen.login_email)
        audit.record(f"citizen:{citizen.id}", "citizen.password_reset", "citizen", citizen.id)
    log.info("citizen set a new password", extra={"citizen": citizen.id})
    return citizen


# --- the citizen's own data --------------------------------------------------------------


@dataclass(frozen=True)
class PersonalData:
    given_name: str
    family_name: str
    street: str
    postal_code: str
    locality: str


def update_personal_data(citizen: Citizen, data: PersonalData) -> None:
    """Name and address as the citizen states them (an eID's verified data are not editable)."""
    if citizen.has_eid:
        raise ValueError("the data of an eID login come from the eID")
    values = {
        "given_name": data.given_name,
        "family_name": data.family_name,
        "street": data.street or None,
        "postal_code": data.postal_code or None,
        "locality": data.locality or None,
        "country": "DE" if data.locality else None,
    }
    with db.transaction() as session:
        # Only a change is a change: the same data saved again (a second click, another device
        # at the same moment) updates no row and is not recorded twice.
        changed = session.execute(
            update(Citizen)
            .where(
                Citizen.id == citizen.id,
                or_(
                    *(
                        getattr(Citizen, name).is_distinct_from(value)
                        for name, value in values.items()
                    )
                ),
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if getattr(changed, "rowcount", 0):
            audit.record(f"citizen:{citizen.id}", "citizen.data_changed", "citizen", citizen.id)
    if citizen in db.session:
        db.session.expire(citizen)
