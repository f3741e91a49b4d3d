"""Citizen accounts: created or updated from a verified eID or EUDI wallet login; such a login
of a citizen logged in with a password links it to that account. An eID login and a wallet login
of the same verified person find one record (the rule: server/auth/identity.py)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from server.audit import log as audit
from server.auth.eid import EidIdentity
from server.auth.identity import LINKING_LEVELS, identity_key
from server.auth.models import Citizen
from server.auth.wallet.person import VerifiedPerson
from server.db import insert_once, lock_row, utcnow
from server.extensions import db
from server.logs import get_logger

log = get_logger("auth")


class EidLinkRefused(Exception):
    """The eID cannot be linked to the logged-in account; ``reason`` names why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "linked_elsewhere" or "other_eid"


def citizen_from_eid(identity: EidIdentity, *, logged_in: Citizen | None = None) -> Citizen:
    """The citizen of this eID identity, with the verified data of this login.

    ``logged_in`` is who the browser is logged in as: a password account gets this eID linked,
    unless the eID belongs to another account or the account has another eID. Logins of one
    eID finished at the same moment (the phone and the laptop) find or make one record."""
    with db.transaction() as session:
        citizen = session.scalar(select(Citizen).where(*_of_eid(identity)))
        if logged_in is not None and logged_in.has_password:
            if citizen is not None and citizen.id != logged_in.id:
                raise EidLinkRefused("linked_elsewhere")
            if citizen is None:
                citizen = _link_eid(session, logged_in.id, identity)
        key = (
            identity_key(identity.family_name, identity.given_name, identity.birthdate)
            if identity.trust_level in LINKING_LEVELS
            else None
        )
        if citizen is None and key is not None:
            citizen = _wallet_record_takes_eid(session, key, identity)
        if citizen is None:
            citizen = _first_eid_login(session, identity)
        citizen.given_name = identity.given_name
        citizen.family_name = identity.family_name
        citizen.birthdate = identity.birthdate
        citizen.street = identity.street
        citizen.postal_code = identity.postal_code
        citizen.locality = identity.locality
        citizen.country = identity.country
        citizen.email = identity.email or citizen.email
        citizen.trust_level = identity.trust_level
        citizen.last_login_at = utcnow()
        session.flush()
        if key is not None and citizen.identity_key is None:
            _claim_identity(session, citizen, key)
        audit.record(
            f"citizen:{citizen.id}",
            "citizen.login.eid",
            "citizen",
            citizen.id,
            identity.trust_level,
        )
    # No names or dates in the log: the citizen's id is enough to follow a login.
    log.info(
        "citizen logged in with eID", extra={"citizen": citizen.id, "level": identity.trust_level}
    )
    return citizen


def _of_eid(identity: EidIdentity) -> tuple[ColumnElement[bool], ...]:
    return (Citizen.eid_issuer == identity.issuer, Citizen.eid_subject == identity.subject)


def _link_eid(session: Session, account_id: int, identity: EidIdentity) -> Citizen:
    """The password account with this eID linked: decided on its row as it is now (locked), so
    that two links at once cannot give it two eIDs one after the other."""
    citizen = lock_row(session, Citizen, account_id)
    if citizen is None:
        raise EidLinkRefused("linked_elsewhere")
    if (citizen.eid_issuer, citizen.eid_subject) == (identity.issuer, identity.subject):
        return citizen  # a parallel login of this account linked it a moment ago
    if citizen.has_eid:
        raise EidLinkRefused("other_eid")
    try:
        with session.begin_nested():
            citizen.eid_issuer = identity.issuer
            citizen.eid_subject = identity.subject
            session.flush()
    except IntegrityError:
        # A first login with this eID made a record of its own since it was looked up.
        raise EidLinkRefused("linked_elsewhere") from None
    audit.record(f"citizen:{citizen.id}", "citizen.eid_linked", "citizen", citizen.id)
    return citizen


def _wallet_record_takes_eid(session: Session, key: str, identity: EidIdentity) -> Citizen | None:
    """The record an EUDI wallet login made for the same person, now with this eID; None when
    there is none or it has another eID."""
    found = session.scalar(
        select(Citizen.id).where(Citizen.identity_key == key, Citizen.eid_subject.is_(None))
    )
    if found is None:
        return None
    citizen = lock_row(session, Citizen, found)
    if citizen is None or citizen.identity_key != key:
        return None
    if citizen.eid_subject is None:
        citizen.eid_issuer = identity.issuer
        citizen.eid_subject = identity.subject
    elif (citizen.eid_issuer, citizen.eid_subject) != (identity.issuer, identity.subject):
        return None  # taken meanwhile by another eID of the same person: a record of its own
    return citizen


def _first_eid_login(session: Session, identity: EidIdentity) -> Citizen:
    """The record of this eID, made by this login or by one at the same moment: the unique
    eID decides which insert stays, and both go on with that row."""
    insert_once(
        session,
        Citizen,
        {
            "eid_issuer": identity.issuer,
            "eid_subject": identity.subject,
            "given_name": identity.given_name,
            "family_name": identity.family_name,
            "trust_level": identity.trust_level,
            "created_at": utcnow(),
        },
        ("eid_issuer", "eid_subject"),
    )
    return session.scalars(
        select(Citizen)
        .where(*_of_eid(identity))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def get_citizen(citizen_id: int) -> Citizen | None:
    return db.session.get(Citizen, citizen_id)


def _claim_identity(session: Session, citizen: Citizen, key: str) -> None:
    """Give the record this identity key, unless another record has it (then both stay as
    they are: records are never merged behind the citizens' backs)."""
    other = aliased(Citizen)
    try:
        with session.begin_nested():  # a parallel login that claimed it first wins
            session.execute(
                update(Citizen)
                .where(
                    Citizen.id == citizen.id,
                    Citizen.identity_key.is_(None),
                    ~exists().where(other.identity_key == key),
                )
                .values(identity_key=key)
                .execution_options(synchronize_session=False)
            )
    except IntegrityError:
        log.info("identity key taken meanwhile", extra={"citizen": citizen.id})
    session.refresh(citizen, ["identity_key"])


class WalletLinkRefused(Exception):
    """The wallet's person cannot be linked to the logged-in account; ``reason`` names why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "linked_elsewhere" or "other_person"


def citizen_from_wallet(person: VerifiedPerson, *, logged_in: Citizen | None = None) -> Citizen:
    """The citizen this EUDI wallet PID proves, with the verified data of this login: the record
    with the same identity key (also one an eID login made), else a new one. ``logged_in`` is
    who the browser is logged in as: a password account gets the person linked, unless the
    person has another record or the account is another person's."""
    key = identity_key(person.family_name, person.given_name, person.birthdate)
    if key is None:  # the verifier refuses a PID without them; never a keyless record
        raise WalletLinkRefused("other_person")
    with db.transaction() as session:
        citizen = session.scalar(
            select(Citizen).where(Citizen.identity_key == key).with_for_update()
        )
        if logged_in is not None and logged_in.has_password:
            if citizen is not None and citizen.id != logged_in.id:
                raise WalletLinkRefused("linked_elsewhere")
            if citizen is None:
                citizen = lock_row(session, Citizen, logged_in.id)
                if citizen is None or citizen.identity_key is not None:
                    raise WalletLinkRefused("other_person")
                _claim_identity(session, citizen, key)
                if citizen.identity_key != key:
                    raise WalletLinkRefused("linked_elsewhere")
                audit.record(
                    f"citizen:{citizen.id}", "citizen.wallet_linked", "citizen", citizen.id
                )
        if citizen is None:
            # Two first logins of one person at once make one record: the key is unique.
            insert_once(
                session,
                Citizen,
                {
                    "identity_key": key,
                    "given_name": person.given_name,
                    "family_name": person.family_name,
                    "trust_level": person.trust_level,
                    "created_at": utcnow(),
                },
                ("identity_key",),
            )
            citizen = session.scalars(
                select(Citizen).where(Citizen.identity_key == key).with_for_update()
            ).one()
        citizen.given_name = person.given_name
        citizen.family_name = person.family_name
        citizen.birthdate = person.birthdate
        citizen.street = person.street
        citizen.postal_code = person.postal_code
        citizen.locality = person.locality
        citizen.country = person.country
        citizen.trust_level = person.trust_level
        citizen.last_login_at = utcnow()
        session.flush()
        audit.record(
            f"citizen:{citizen.id}",
            "citizen.login.wallet",
            "citizen",
            citizen.id,
            f"{person.trust_level} {person.credential_format}",
        )
    log.info(
        "citizen logged in with the EUDI wallet",
        extra={"citizen": citizen.id, "format": person.credential_format},
    )
    return citizen
