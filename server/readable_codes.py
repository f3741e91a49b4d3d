"""Codes a person copies from paper or a screen by hand: Crockford's base32 (no I, L, O, U;
case, dashes and spaces do not matter, I/L read as 1 and O as 0), printed in groups of four."""

from __future__ import annotations

import hmac
import secrets

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READS_AS = str.maketrans({"I": "1", "L": "1", "O": "0", "-": None, " ": None})


def new_readable_code(length: int = 16) -> str:
    """``length`` characters of 5 random bits each (16: 80 bits), grouped by four."""
    code = "".join(secrets.choice(CROCKFORD) for _ in range(length))
    return "-".join(code[i : i + 4] for i in range(0, length, 4))


def normalise_readable_code(text: str) -> str:
    return text.upper().translate(_READS_AS)


def grouped_readable_code(text: str) -> str:
    """The code as ``new_readable_code`` writes it, from however it was typed."""
    plain = normalise_readable_code(text)
    return "-".join(plain[i : i + 4] for i in range(0, len(plain), 4))


def readable_codes_match(expected: str | None, typed: str) -> bool:
    """Constant time in the typed text whether or not there is a code to compare with."""
    wanted = normalise_readable_code(expected or "").encode()
    given = normalise_readable_code(typed).encode()
    return hmac.compare_digest(wanted, given) and expected is not None
