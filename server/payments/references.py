"""Payment references: the Kassenzeichen and the ISO 11649 RF creditor reference derived from it.

The *Kassenzeichen* is the city's payment reference: the number printed on every notice (fine,
fee, tax) that the citizen copies into the remittance line of a transfer, and that the cash office
(*Stadtkasse*) uses to book an incoming payment onto the open receivable. Here it is a string of
ASCII digits: a fixed prefix, a zero-padded sequence number and check digits, as configured by a
``KassenzeichenScheme``.

The RF creditor reference (ISO 11649) wraps the Kassenzeichen for the structured remittance field
of a SEPA transfer and of the GiroCode: ``"RF"``, two ISO 7064 MOD 97-10 check digits and the
reference itself (at most 21 letters or digits).

Both finders read free text as banks deliver it (remittance lines, EndToEndId) and return only
numbers whose check digits hold, so a stray run of digits is not taken for a payment reference.
The algorithms come from python-stdnum; this module only decides the formats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from string import ascii_uppercase

from stdnum import iban as stdnum_iban
from stdnum import iso11649, luhn
from stdnum.iso7064 import mod_97_10

CHECK_METHODS = ("luhn", "mod97", "none")
_CHECK_DIGIT_COUNT = {"luhn": 1, "mod97": 2, "none": 0}
RF_MAX_REFERENCE_LENGTH = 21
RF_MAX_LENGTH = 4 + RF_MAX_REFERENCE_LENGTH

# What people and banks put inside a number: spaces, dots, dashes (also typographic ones), slashes.
_SEPARATOR_CHARS = " \t\r\n\u00a0\u202f.-/\u2010\u2011\u2012\u2013\u2014\u2212"
_DROP_SEPARATORS = str.maketrans("", "", _SEPARATOR_CHARS)
_PUNCTUATION = r"./\-\u2010-\u2014\u2212"
_SPACE = r"[ \t\r\n\u00a0\u202f]"
# Between two digit groups of one number: a few spaces, or one punctuation mark with optional
# spaces around it ("40 1234", "40.1234", "40 - 1234"); anything else ends the number.
_GROUP_SEPARATOR = rf"(?:{_SPACE}{{1,3}}|{_SPACE}?[{_PUNCTUATION}]{_SPACE}?)"
_DIGIT_CHUNK = re.compile(rf"[0-9]+(?:{_GROUP_SEPARATOR}[0-9]+)*")
_DIGIT_GROUP = re.compile(r"[0-9]+")
_ALNUM_TOKEN = re.compile(r"[0-9A-Za-z]+")
_ALNUM_TOKENS = re.compile(r"[0-9A-Za-z]+(?:[ \u00a0]{1,3}[0-9A-Za-z]+)*")
_IBAN_START = re.compile(r"(?<![0-9A-Za-z])[A-Za-z]{2}[0-9]{2}")
_RF_START = re.compile(r"(?<![0-9A-Za-z])RF", re.IGNORECASE)
_RF_ELECTRONIC = re.compile(r"RF[0-9]{2}[0-9A-Z]{1,21}")
_RF_PAYLOAD = re.compile(r"[0-9A-Z]{1,21}")
_IBAN_MAX_LENGTH = 34


def _is_ascii_digits(value: str) -> bool:
    # str.isdigit() also accepts "²" and Arabic-Indic digits, which no bank transfers.
    return value.isascii() and value.isdigit()


@dataclass(frozen=True)
class KassenzeichenScheme:
    """How the city builds its Kassenzeichen: ``prefix`` + ``sequence_digits`` zero-padded
    sequence digits + check digits (``"luhn"``: one Luhn digit, ``"mod97"``: two ISO 7064
    MOD 97-10 digits, ``"none"``: no check digit; only advisable for legacy numbers)."""

    prefix: str = "40"
    sequence_digits: int = 9
    check: str = "luhn"

    def __post_init__(self) -> None:
        if self.check not in CHECK_METHODS:
            raise ValueError(f"check must be one of {', '.join(CHECK_METHODS)}, not {self.check!r}")
        if not (self.prefix == "" or _is_ascii_digits(self.prefix)):
            raise ValueError(f"prefix must be ASCII digits, not {self.prefix!r}")
        if self.sequence_digits < 1:
            raise ValueError("sequence_digits must be at least 1")
        # Every Kassenzeichen must fit into an RF creditor reference (GiroCode, SEPA remittance).
        if self.length > RF_MAX_REFERENCE_LENGTH:
            raise ValueError(
                f"a Kassenzeichen of {self.length} digits does not fit into an RF creditor "
                f"reference (at most {RF_MAX_REFERENCE_LENGTH})"
            )

    @property
    def check_digits(self) -> int:
        return _CHECK_DIGIT_COUNT[self.check]

    @property
    def length(self) -> int:
        return len(self.prefix) + self.sequence_digits + self.check_digits


DEFAULT_SCHEME = KassenzeichenScheme()


def _check_digits_for(body: str, scheme: KassenzeichenScheme) -> str:
    if scheme.check == "luhn":
        return luhn.calc_check_digit(body)
    if scheme.check == "mod97":
        return mod_97_10.calc_check_digits(body)
    return ""


def make_kassenzeichen(sequence: int, scheme: KassenzeichenScheme = DEFAULT_SCHEME) -> str:
    """The Kassenzeichen for a sequence number, e.g. 123456789 → ``"401234567899"``."""
    if not 0 <= sequence < 10**scheme.sequence_digits:
        raise ValueError(f"sequence {sequence} does not fit into {scheme.sequence_digits} digits")
    body = f"{scheme.prefix}{sequence:0{scheme.sequence_digits}d}"
    return body + _check_digits_for(body, scheme)


def normalise_kassenzeichen(text: str) -> str:
    """The Kassenzeichen as typed or printed, without spaces, dots, dashes and slashes."""
    return text.translate(_DROP_SEPARATORS)


def is_valid_kassenzeichen(value: str, scheme: KassenzeichenScheme = DEFAULT_SCHEME) -> bool:
    """Whether ``value`` (separators allowed, see ``normalise_kassenzeichen``) is a Kassenzeichen
    of ``scheme``: right length and prefix, check digits hold."""
    number = normalise_kassenzeichen(value)
    if len(number) != scheme.length or not _is_ascii_digits(number):
        return False
    if not number.startswith(scheme.prefix):
        return False
    split = len(number) - scheme.check_digits
    return _check_digits_for(number[:split], scheme) == number[split:]


def format_kassenzeichen(value: str, scheme: KassenzeichenScheme = DEFAULT_SCHEME) -> str:
    """The Kassenzeichen for print: the scheme's prefix, then groups of four, e.g.
    ``"40 1234 5678 99"``; a value without the prefix is grouped in fours from the start.

    It does not validate: notices and pages print what is stored, legacy numbers included, and
    must not fail on them. Every grouping it makes is read back by ``find_kassenzeichen``.
    """
    number = normalise_kassenzeichen(value)
    prefix = scheme.prefix if scheme.prefix and number.startswith(scheme.prefix) else ""
    rest = number[len(prefix) :]
    groups = [rest[start : start + 4] for start in range(0, len(rest), 4)]
    return " ".join([prefix, *groups] if prefix else groups)


def _token_prefixes(text: str, start: int, max_length: int) -> list[tuple[int, str]]:
    """The readings of the space-separated tokens from ``start`` on as one code: for one, two,
    … tokens, where they end in ``text`` and their characters joined (at most ``max_length``)."""
    # Up to three spaces between tokens: no reading reaches further than this window.
    run = _ALNUM_TOKENS.match(text, start, start + 4 * max_length)
    readings: list[tuple[int, str]] = []
    joined = ""
    for token in _ALNUM_TOKEN.finditer(run.group() if run else ""):
        joined += token.group()
        if len(joined) > max_length:
            break
        readings.append((start + token.end(), joined.upper()))
    return readings


def _mask_ibans(text: str) -> str:
    """``text`` with every valid IBAN overwritten, so that no number is found inside one.

    An IBAN is taken as whole space-separated tokens (its printed groups); the longest run of
    tokens that is a valid IBAN wins, so a number written after it stays untouched.
    """
    masked = list(text)
    for start in _IBAN_START.finditer(text):
        for end, joined in reversed(_token_prefixes(text, start.start(), _IBAN_MAX_LENGTH)):
            if stdnum_iban.is_valid(joined):
                masked[start.start() : end] = "#" * (end - start.start())
                break
    return "".join(masked)


def find_kassenzeichen(text: str, scheme: KassenzeichenScheme = DEFAULT_SCHEME) -> list[str]:
    """Every Kassenzeichen of ``scheme`` in free text (remittance lines, EndToEndId), normalised,
    each once, in the order they appear.

    A number may be split by spaces, dots, dashes or slashes (``"KZ 40.1234.5678-99"``). Digits
    written together are never split: a Kassenzeichen is made of whole digit groups, so one hidden
    inside a longer run (a 20-digit number, an IBAN in electronic form) is not found; valid IBANs
    in printed groups are skipped altogether. When groups can be read in more than one way, every
    reading whose check digits hold is returned: the caller matches them against the open
    receivables, which settles the rare ambiguity.
    """
    found: list[str] = []
    for chunk in _DIGIT_CHUNK.finditer(_mask_ibans(text)):
        groups = _DIGIT_GROUP.findall(chunk.group())
        for first in range(len(groups)):
            digits = ""
            for group in groups[first:]:
                digits += group
                if len(digits) >= scheme.length:
                    break
            if (
                len(digits) == scheme.length
                and is_valid_kassenzeichen(digits, scheme)
                and digits not in found
            ):
                found.append(digits)
    return found


def rf_reference(kassenzeichen: str) -> str:
    """The RF creditor reference (ISO 11649) of a Kassenzeichen in electronic form, without
    spaces: ``"RF"``, two check digits, the reference (``"401234567899"`` → ``"RF40401234567899"``).
    """
    reference = normalise_kassenzeichen(kassenzeichen).upper()
    if not (reference.isascii() and _RF_PAYLOAD.fullmatch(reference)):
        raise ValueError(
            f"an RF reference holds 1 to {RF_MAX_REFERENCE_LENGTH} letters or digits, "
            f"not {kassenzeichen!r}"
        )
    # ISO 11649: MOD 97-10 over the reference followed by "RF" and the check digits.
    return f"RF{mod_97_10.calc_check_digits(reference + 'RF')}{reference}"


# ISO 7064 MOD 97-10 reads a letter as two digits: A = 10 … Z = 35.
_LETTERS_AS_DIGITS = str.maketrans({letter: str(ord(letter) - 55) for letter in ascii_uppercase})


def _is_valid_compact_rf(compact: str) -> bool:
    """``is_valid_rf`` of a reference in electronic form (upper-case letters and digits): what
    python-stdnum's ``iso11649.is_valid`` checks, without its clean-up, for the statement import's
    hundreds of thousands of candidates (issue 17)."""
    if not _RF_ELECTRONIC.fullmatch(compact):
        return False
    return int((compact[4:] + compact[:4]).translate(_LETTERS_AS_DIGITS)) % 97 == 1


def is_valid_rf(text: str) -> bool:
    """Whether ``text`` is an RF creditor reference; print form with spaces is accepted."""
    if not text.isascii():
        return False
    return _is_valid_compact_rf(iso11649.compact(text))


def format_rf(ref: str) -> str:
    """An RF creditor reference for print, in groups of four: ``"RF18 5390 0754 7034"``."""
    if not is_valid_rf(ref):
        raise ValueError(f"not a valid RF creditor reference: {ref!r}")
    return iso11649.format(ref)


def find_rf_references(text: str) -> list[str]:
    """Every valid RF creditor reference in free text, electronic form, each once, in order.

    Groups may be separated by spaces (``"RF18 5390 0754 7034"``); a reference is made of whole
    tokens. When the following token could belong to it too (``"RF18 5390 0754 7034 2024"``),
    every reading whose check digits hold is returned, shortest first: the caller matches them
    against the open receivables.
    """
    if text.isascii() and text.isalnum():
        # One token, as a structured creditor reference arrives: a reference can only start at
        # its beginning and be all of it (most of a statement's payments; issue 17).
        compact = text.upper()
        return [compact] if _is_valid_compact_rf(compact) else []
    found: list[str] = []
    for start in _RF_START.finditer(text):
        for _end, joined in _token_prefixes(text, start.start(), RF_MAX_LENGTH):
            if _is_valid_compact_rf(joined) and joined not in found:
                found.append(joined)
    return found
