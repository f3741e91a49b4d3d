"""The result of a wallet login: the person the PID names, as the login maps it to a citizen
record. A PID from a trusted issuer, presented with proof of the holder's key, is the eIDAS
level high (the EUDI wallet is notified at that level), like the eID."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from typing import Any

from server.auth.wallet.errors import Reason, VerificationFailed

TRUST_LEVEL = "high"


@dataclass(frozen=True)
class VerifiedPerson:
    given_name: str
    family_name: str
    birthdate: date
    street: str | None
    postal_code: str | None
    locality: str | None
    country: str | None  # ISO 3166-1 alpha-2 of the address
    issuing_country: str | None  # of the PID: its claim, else the issuer certificate's
    issuing_authority: str | None  # of the PID: its claim, else the issuer certificate's
    credential_format: str  # ``dc+sd-jwt`` or ``mso_mdoc``
    credential_type: str  # the SD-JWT VC's vct or the mdoc's doctype
    issuer: str  # the issuer certificate's subject (RFC 4514), for the audit log
    trust_level: str = TRUST_LEVEL

    def to_json(self) -> str:
        values = asdict(self)
        values["birthdate"] = self.birthdate.isoformat()
        return json.dumps(values, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> VerifiedPerson:
        values = json.loads(text)
        values["birthdate"] = date.fromisoformat(values["birthdate"])
        known = {field.name for field in fields(cls)}
        return cls(**{name: value for name, value in values.items() if name in known})


def text(value: Any) -> str | None:
    """A claim's value as text, or None when absent or empty."""
    if value is None or isinstance(value, (dict, list, tuple, bool)):
        return None
    found = str(value).strip()
    return found or None


def street(name: Any, number: Any) -> str | None:
    """The street with the house number, where the PID gives the number on its own."""
    found, house = text(name), text(number)
    return f"{found} {house}" if found and house and house not in found else found


def required_text(claims: dict[str, Any], name: str) -> str:
    found = text(claims.get(name))
    if found is None:
        raise VerificationFailed(Reason.MISSING_CLAIM, name)
    return found


def birth_date(value: Any, name: str) -> date:
    """A date of birth: an ISO full-date (SD-JWT), or a CBOR full-date / tdate (mdoc), which
    cbor2 may already have made a ``date`` or ``datetime``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise VerificationFailed(Reason.MISSING_CLAIM, name)
