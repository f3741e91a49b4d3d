"""German number plates as typed: one spelling for comparing them."""

from __future__ import annotations

import re

# District (1-3 letters), then 1-2 letters, then 1-4 digits (not starting with 0), and E
# (electric) or H (historic); hyphen or space between the parts as people write them.
PLATE = re.compile(
    r"^\s*([A-ZÄÖÜ]{1,3})\s*[- ]\s*([A-Z]{1,2})\s*([1-9][0-9]{0,3})\s*([EH]?)\s*$", re.IGNORECASE
)
# The same for the browser's pattern attribute, which compiles with the "v" flag: there a bare
# "-" in a character class is an error.
PATTERN = r"\s*[A-Za-zÄÖÜäöü]{1,3}\s*[\- ]\s*[A-Za-z]{1,2}\s*[1-9][0-9]{0,3}\s*[EHeh]?\s*"


def normalise(plate: str) -> str | None:
    """ "mu-em123" -> "MU-EM 123"; None for what is no German plate."""
    found = PLATE.match(plate)
    if found is None:
        return None
    district, letters, digits, suffix = found.groups()
    return f"{district.upper()}-{letters.upper()} {digits}{suffix.upper()}"
