"""Citizen accounts: created or updated from a verified eID login; an eID login of a citizen
logged in with a password links the eID to that account."""

from __future__ import annotations

from sqlalchemy import select

from server.audit import log as audit
from server.auth.eid import EidIdentity
from server.auth.models import Citizen
from server.db import utcnow
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
    unless the eID belongs to another account or the account has another eID."""
    with db.transaction() as session:
        citizen = session.scalar(
            select(Citizen).where(
                Citizen.eid_issuer == identity.issuer, Citizen.eid_subject == identity.subject
            )
        )
        if logged_in is not None and logged_in.has_password:
            if citizen is not None and citizen.id != logged_in.id:
                raise EidLinkRefused("linked_elsewhere")
            if citizen is None:
                citizen = session.get(Citizen, logged_in.id)
                if citizen is None:
                    raise EidLinkRefused("linked_elsewhere")
                if citizen.has_eid:
                    raise EidLinkRefused("other_eid")
                citizen.eid_issuer = identity.issuer
                citizen.eid_subject = identity.subject
                session.flush()
                audit.record(f"citizen:{citizen.id}", "citizen.eid_linked", "citizen", citizen.id)
        if citizen is None:
            citizen = Citizen(eid_issuer=identity.issuer, eid_subject=identity.subject)
            session.add(citizen)
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


def get_citizen(citizen_id: int) -> Citizen | None:
    return db.session.get(Citizen, citizen_id)
