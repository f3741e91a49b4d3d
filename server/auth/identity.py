"""When two logins are the same person: the rule that links an EUDI wallet login to the citizen
record of an eID login (and the other way round).

The eID names a person by a pseudonym of the identity provider, the wallet's PID by nothing
but the data it proves. So a person is their *verified* family name, given names and date of
birth, as both the eID (trust level substantial or high) and the PID (high) prove them:
written the same way (Unicode NFC, case and runs of blanks ignored), they are one citizen.
The address is left out (people move; the next login brings the new one). Two different people
with the same names born on the same day would share a record: rare, and the reason why
only verified data, never what a citizen typed, makes the key.

Stored as a SHA-256 digest, so that the key column holds no names or dates in clear.
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import date

# The levels at which a login's name and date of birth are proven well enough to link records.
LINKING_LEVELS = frozenset({"substantial", "high"})


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def identity_key(family_name: str, given_name: str, birthdate: date | None) -> str | None:
    """The key of a verified person, or None when the data cannot make one."""
    family, given = _normal(family_name), _normal(given_name)
    if not family or not given or birthdate is None:
        return None
    text = "\x1f".join((family, given, birthdate.isoformat()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
