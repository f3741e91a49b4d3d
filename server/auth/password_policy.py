"""What a citizen's new password must be, following NIST SP 800-63B (section 3.1.1.2).

No composition rules (no "one digit, one capital"), no expiry; instead a minimum length
(``CITIZEN_PASSWORD_MIN_LENGTH``), room for long passphrases and any character (spaces, umlauts,
emoji: the password is normalised to Unicode NFKC, as the standard advises, so the same
passphrase typed on another keyboard still matches), and a check against a list of passwords
attackers try first. A password equal to or built on the e-mail address is refused, because the
address is no secret.

The list ``data/common-passwords.txt.gz`` is Django's (BSD 3-Clause licence, the licence text is
in ``data/LICENSE-common-passwords.txt``): 20,000 common passwords, lowercased and deduplicated,
compiled by Royce Williams from breach corpora
(https://gist.github.com/roycewilliams/226886fd01572964e1431ac8afc999ce), as shipped in
``django/contrib/auth/common-passwords.txt.gz`` of Django 5.2.
"""

from __future__ import annotations

import gzip
import unicodedata
from functools import cache
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"


def normalise_password(password: str) -> str:
    """The form a password is hashed and checked in (NFKC)."""
    return unicodedata.normalize("NFKC", password)


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def _without(text: str, part: str) -> str:
    return text.replace(part, "") if part else text


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why this password cannot be a citizen's new password (translated), or None."""
    config = current_app.config
    password = normalise_password(password)
    minimum = int(config["CITIZEN_PASSWORD_MIN_LENGTH"])
    maximum = int(config["CITIZEN_PASSWORD_MAX_LENGTH"])
    if len(password) < minimum:
        return _(
            "Das Passwort ist zu kurz: Es braucht mindestens %(minimum)d Zeichen. "
            "Tipp: Mehrere Wörter hintereinander sind lang und leicht zu merken.",
            minimum=minimum,
        )
    if len(password) > maximum:
        return _("Das Passwort ist zu lang: höchstens %(maximum)d Zeichen.", maximum=maximum)
    folded = password.casefold()
    if folded.strip() in common_passwords():
        return _(
            "Dieses Passwort steht auf der Liste der häufigsten Passwörter und wird bei "
            "Angriffen zuerst ausprobiert. Bitte wählen Sie ein anderes."
        )
    if email:
        address = email.casefold()
        local_part = address.partition("@")[0]
        # What is left once the (public) address is taken out must still be a password. Very
        # short local parts ("jo@...") are ordinary syllables and stay in.
        rest = _without(folded, address)
        if len(local_part) >= 4:
            rest = _without(rest, local_part)
        if address in folded or len(rest.strip()) < minimum:
            return _("Das Passwort darf nicht Ihre E-Mail-Adresse sein oder sie enthalten.")
    return None
