"""Kassenzeichen and RF creditor references: making, checking, printing and finding them."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from schwifty import IBAN
from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

from server.payments.references import (
    DEFAULT_SCHEME,
    KassenzeichenScheme,
    find_kassenzeichen,
    find_rf_references,
    format_kassenzeichen,
    format_rf,
    is_valid_kassenzeichen,
    is_valid_rf,
    make_kassenzeichen,
    normalise_kassenzeichen,
    rf_reference,
)

MOD97 = KassenzeichenScheme(check="mod97")
UNCHECKED = KassenzeichenScheme(check="none")
SHORT = KassenzeichenScheme(prefix="7", sequence_digits=6)
NO_PREFIX = KassenzeichenScheme(prefix="", sequence_digits=8, check="mod97")
CHECKED_SCHEMES = [DEFAULT_SCHEME, MOD97, SHORT, NO_PREFIX]

KZ = "401234567899"  # make_kassenzeichen(123456789): "40", sequence, Luhn digit 9
# No deadline: the first example pays for imports and regex compilation.
PROPERTIES = settings(max_examples=200, deadline=None)


def _german_iban(bban: str) -> str:
    return f"DE{mod_97_10.calc_check_digits(bban + 'DE')}{bban}"


# An IBAN whose bank code ends and account number begins with the digits of KZ.
IBAN_HIDING_KZ = _german_iban("1234" + KZ + "00")
IBAN_HIDING_KZ_PRINTED = " ".join(IBAN_HIDING_KZ[i : i + 4] for i in range(0, 22, 4))


# --- the scheme ---------------------------------------------------------------------------


def test_default_scheme_is_twelve_digits_with_luhn() -> None:
    assert KassenzeichenScheme(prefix="40", sequence_digits=9, check="luhn") == DEFAULT_SCHEME
    assert DEFAULT_SCHEME.length == 12
    assert DEFAULT_SCHEME.check_digits == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"check": "crc32"}, "check must be one of"),
        ({"prefix": "4A"}, "prefix must be ASCII digits"),
        ({"prefix": "٤٠"}, "prefix must be ASCII digits"),
        ({"sequence_digits": 0}, "at least 1"),
        ({"sequence_digits": 18, "check": "mod97"}, "does not fit into an RF"),
    ],
)
def test_scheme_refuses_what_cannot_work(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        KassenzeichenScheme(**options)  # type: ignore[arg-type]


# --- making and checking ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sequence", "scheme", "expected"),
    [
        (123456789, DEFAULT_SCHEME, "401234567899"),
        (1, DEFAULT_SCHEME, "400000000010"),
        (0, DEFAULT_SCHEME, "400000000002"),
        (999999999, DEFAULT_SCHEME, "409999999991"),
        (123456789, MOD97, "4012345678972"),
        (123456789, UNCHECKED, "40123456789"),
        (4711, SHORT, "70047113"),
        (4711, NO_PREFIX, "0000471130"),
    ],
)
def test_make_kassenzeichen(sequence: int, scheme: KassenzeichenScheme, expected: str) -> None:
    assert make_kassenzeichen(sequence, scheme) == expected
    assert is_valid_kassenzeichen(expected, scheme)


@pytest.mark.parametrize("sequence", [-1, 10**9, 10**12])
def test_make_kassenzeichen_refuses_sequences_that_do_not_fit(sequence: int) -> None:
    with pytest.raises(ValueError, match="does not fit into 9 digits"):
        make_kassenzeichen(sequence)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        (KZ, True),
        ("40 1234 5678 99", True),
        ("40.1234.5678-99", True),
        ("40/123456789/9", True),
        ("401234567898", False),  # wrong check digit
        ("411234567898", False),  # wrong prefix, even though Luhn holds
        ("40123456789", False),  # too short
        ("4012345678990", False),  # too long
        ("40123456789X", False),
        ("KZ401234567899", False),
        ("٤٠١٢٣٤٥٦٧٨٩٩", False),  # Arabic-Indic digits are digits to Python, not to a bank
        ("", False),
    ],
)
def test_is_valid_kassenzeichen(value: str, valid: bool) -> None:
    assert is_valid_kassenzeichen(value) is valid


def test_unchecked_scheme_checks_length_and_prefix_only() -> None:
    assert is_valid_kassenzeichen("40123456789", UNCHECKED)
    assert is_valid_kassenzeichen("40999999999", UNCHECKED)
    assert not is_valid_kassenzeichen("41123456789", UNCHECKED)
    assert not is_valid_kassenzeichen(KZ, UNCHECKED)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("40 1234 5678 99", KZ),
        ("40.1234.5678-99", KZ),
        ("40/1234/5678/99", KZ),
        (" 40–1234–5678–99\n", KZ),  # typographic dashes and a line break
        ("40\u00a01234\u00a05678\u00a099", KZ),  # no-break spaces
        ("KZ 40", "KZ40"),  # only separators go; the caller validates
    ],
)
def test_normalise_kassenzeichen(text: str, expected: str) -> None:
    assert normalise_kassenzeichen(text) == expected


@pytest.mark.parametrize(
    ("value", "scheme", "printed"),
    [
        (KZ, DEFAULT_SCHEME, "40 1234 5678 99"),
        ("40.1234.5678-99", DEFAULT_SCHEME, "40 1234 5678 99"),
        ("4012345678972", MOD97, "40 1234 5678 972"),
        ("4012345678972", DEFAULT_SCHEME, "40 1234 5678 972"),  # same prefix: same grouping
        ("70047113", SHORT, "7 0047 113"),
        ("70047113", DEFAULT_SCHEME, "7004 7113"),  # another prefix: plain groups of four
        ("0000471130", NO_PREFIX, "0000 4711 30"),
    ],
)
def test_format_kassenzeichen(value: str, scheme: KassenzeichenScheme, printed: str) -> None:
    assert format_kassenzeichen(value, scheme) == printed
    owner = next(owner for owner in CHECKED_SCHEMES if is_valid_kassenzeichen(value, owner))
    assert find_kassenzeichen(f"Kassenzeichen {printed}", owner) == [normalise_kassenzeichen(value)]


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        ("401234567898", "40 1234 5678 98"),  # wrong check digit: printed all the same
        ("AZ-2019/4711", "AZ20 1947 11"),  # a legacy number
        ("", ""),
    ],
)
def test_format_kassenzeichen_prints_what_is_stored_without_failing(
    value: str, printed: str
) -> None:
    assert format_kassenzeichen(value) == printed


# --- finding in remittance text -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("KZ 40.1234.5678-99 Knoellchen", [KZ]),
        ("40 123456789 9", [KZ]),
        ("Kassenzeichen: 401234567899", [KZ]),
        ("KZ401234567899", [KZ]),  # letters right before it, as in an EndToEndId
        ("E2E-401234567899-2024", [KZ]),
        ("401234567899/2024 Bussgeld", [KZ]),
        ("Rechnung 2024 40 1234 5678 99 vom 12.03.2024", [KZ]),
        ("40 - 1234 - 5678 - 99", [KZ]),
        ("40\n1234\n5678\n99", [KZ]),  # remittance lines glued with line breaks
        ("KZ 401234567899, nochmals 40 1234 5678 99", [KZ]),  # each once
        ("401234567899 und 400000000010", [KZ, "400000000010"]),
        ("", []),
        ("Knoellchen vom 12.03.2024, Betrag 35,00 EUR", []),
        ("401234567898", []),  # check digit wrong
        ("411234567898", []),  # other prefix
        ("40123456789", []),  # one digit missing
        ("1401234567899", []),  # inside a longer run of digits
        ("4012345678991", []),
        ("12345678401234567899", []),  # inside a 20-digit number
        ("00000000401234567899", []),
        (IBAN_HIDING_KZ, []),  # inside an IBAN, electronic form
        (f"IBAN {IBAN_HIDING_KZ_PRINTED}", []),  # inside an IBAN, printed in groups
        (f"IBAN: {IBAN_HIDING_KZ_PRINTED.lower()} danke", []),
        (f"{IBAN_HIDING_KZ_PRINTED} KZ 40 1234 5678 99", [KZ]),  # an IBAN next to it
        (f"40 1234 5678 99 {IBAN_HIDING_KZ_PRINTED}", [KZ]),
        ("40 1234  5678 99", [KZ]),  # two spaces
        ("40 1234 .. 5678 99", []),  # two dots end the number: not one number
        ("40,1234,5678,99", []),  # a comma is a decimal or list separator, not a group mark
    ],
)
def test_find_kassenzeichen(text: str, expected: list[str]) -> None:
    assert find_kassenzeichen(text) == expected


def test_iban_test_data_really_hides_the_kassenzeichen() -> None:
    # Guards the two IBAN cases above: they only mean something if the IBAN is valid.
    assert KZ in IBAN(IBAN_HIDING_KZ).compact
    assert IBAN(IBAN_HIDING_KZ_PRINTED).compact == IBAN_HIDING_KZ
    assert "4012 3456 7899" in IBAN_HIDING_KZ_PRINTED  # whole groups: only the mask stops it


def test_find_kassenzeichen_returns_every_valid_reading_of_ambiguous_groups() -> None:
    # "40 40 1234 5678 99": both "404012345678" and KZ could be meant; only valid ones count.
    readings = find_kassenzeichen("40 40 1234 5678 99")
    assert KZ in readings
    assert all(is_valid_kassenzeichen(reading) for reading in readings)


def test_find_kassenzeichen_with_another_scheme() -> None:
    assert find_kassenzeichen("Az. 40 1234 5678 972", MOD97) == ["4012345678972"]
    assert find_kassenzeichen("Az. 40 1234 5678 972") == []
    assert find_kassenzeichen("Az. 40123456789 danke", UNCHECKED) == ["40123456789"]


# --- RF creditor reference (ISO 11649) ----------------------------------------------------


@pytest.mark.parametrize(
    "reference",
    [
        # The published examples of ISO 11649, in print and electronic form.
        "RF18 5390 0754 7034",
        "RF18539007547034",
        "RF18000000000539007547034",
        "RF18 0000 0000 0539 0075 4703 4",
        "rf18 5390 0754 7034",
        # Check digits worked out by hand (reference + "RF00" as digits, 98 - that mod 97).
        "RF712348231",
        "RF40401234567899",
    ],
)
def test_valid_rf_references(reference: str) -> None:
    assert is_valid_rf(reference)


@pytest.mark.parametrize(
    "reference",
    [
        "RF17 5390 0754 7034",  # check digits wrong
        "RF18 5390 0754 7043",  # two digits swapped
        "RF18",  # no reference
        "RF180000000000539007547034",  # 22 characters of reference: one too many
        "RX18539007547034",
        "18539007547034",
        "RF18 5390 0754 703Ä",
        "RF18 5390 0754 7O34",  # a letter O for the digit zero
    ],
)
def test_invalid_rf_references(reference: str) -> None:
    assert not is_valid_rf(reference)


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("539007547034", "RF18539007547034"),
        ("000000000539007547034", "RF18000000000539007547034"),
        ("2348231", "RF712348231"),
        (KZ, "RF40401234567899"),
        ("40 1234 5678 99", "RF40401234567899"),
    ],
)
def test_rf_reference_matches_published_check_digits(reference: str, expected: str) -> None:
    assert rf_reference(reference) == expected


@pytest.mark.parametrize("reference", ["", "0000000000005390075470340", "KZ:40", "4012ä"])
def test_rf_reference_refuses_what_does_not_fit(reference: str) -> None:
    with pytest.raises(ValueError, match="1 to 21 letters or digits"):
        rf_reference(reference)


def test_format_rf() -> None:
    assert format_rf("RF18539007547034") == "RF18 5390 0754 7034"
    assert format_rf("rf18000000000539007547034") == "RF18 0000 0000 0539 0075 4703 4"
    with pytest.raises(ValueError, match="not a valid RF"):
        format_rf("RF17539007547034")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ref RF18 5390 0754 7034 Rechnung", ["RF18539007547034"]),
        ("RF18539007547034", ["RF18539007547034"]),
        ("/RF18 5390 0754 7034/", ["RF18539007547034"]),
        ("rf18 5390 0754 7034", ["RF18539007547034"]),
        ("RF18  5390  0754  7034", ["RF18539007547034"]),
        (
            "RF18539007547034 und RF40 4012 3456 7899",
            ["RF18539007547034", "RF40401234567899"],
        ),
        ("RF18539007547034, RF18 5390 0754 7034", ["RF18539007547034"]),
        ("RF17 5390 0754 7034", []),
        ("XRF18539007547034", []),  # glued to a word: not a reference
        ("RF18539007547034X", []),  # the token goes on: not this reference
        ("RFID-Karte 2024", []),
        ("", []),
    ],
)
def test_find_rf_references(text: str, expected: list[str]) -> None:
    assert find_rf_references(text) == expected


# --- properties ---------------------------------------------------------------------------

schemes = st.sampled_from(CHECKED_SCHEMES)


@st.composite
def scheme_and_kassenzeichen(draw: st.DrawFn) -> tuple[KassenzeichenScheme, str]:
    scheme = draw(schemes)
    sequence = draw(st.integers(min_value=0, max_value=10**scheme.sequence_digits - 1))
    return scheme, make_kassenzeichen(sequence, scheme)


@PROPERTIES
@given(scheme_and_kassenzeichen())
def test_every_made_kassenzeichen_is_valid(made: tuple[KassenzeichenScheme, str]) -> None:
    scheme, kassenzeichen = made
    assert len(kassenzeichen) == scheme.length
    assert kassenzeichen.startswith(scheme.prefix)
    assert is_valid_kassenzeichen(kassenzeichen, scheme)
    assert is_valid_kassenzeichen(format_kassenzeichen(kassenzeichen, scheme), scheme)
    assert find_kassenzeichen(format_kassenzeichen(kassenzeichen), scheme) == [kassenzeichen]


@PROPERTIES
@given(scheme_and_kassenzeichen(), st.data())
def test_any_single_digit_change_is_caught(
    made: tuple[KassenzeichenScheme, str], data: st.DataObject
) -> None:
    # Luhn and MOD 97-10 both detect every single substituted digit.
    scheme, kassenzeichen = made
    position = data.draw(st.integers(min_value=0, max_value=len(kassenzeichen) - 1))
    digit = data.draw(st.sampled_from(string.digits).filter(lambda d: d != kassenzeichen[position]))
    changed = kassenzeichen[:position] + digit + kassenzeichen[position + 1 :]
    assert not is_valid_kassenzeichen(changed, scheme)


SEPARATORS = ["", "", "", " ", ".", "-", "/", "  ", " - ", "\u2013"]
# Surrounding text: words, punctuation and numbers, but never a digit glued to the Kassenzeichen.
SURROUNDING = st.text(
    alphabet=string.ascii_letters + string.digits + " ,.:;()/€äöüßÄÖÜ", max_size=40
)


@PROPERTIES
@given(scheme_and_kassenzeichen(), st.data(), SURROUNDING, SURROUNDING)
def test_find_kassenzeichen_in_any_text_with_any_separators(
    made: tuple[KassenzeichenScheme, str], data: st.DataObject, before: str, after: str
) -> None:
    scheme, kassenzeichen = made
    gaps = data.draw(
        st.lists(
            st.sampled_from(SEPARATORS),
            min_size=len(kassenzeichen) - 1,
            max_size=len(kassenzeichen) - 1,
        )
    )
    written = kassenzeichen[0] + "".join(
        gap + digit for gap, digit in zip(gaps, kassenzeichen[1:], strict=True)
    )
    before = before + " " if before[-1:].isdigit() else before
    after = " " + after if after[:1].isdigit() else after
    assert kassenzeichen in find_kassenzeichen(before + written + after, scheme)


DIGITS = st.text(alphabet=string.digits, max_size=8)


@PROPERTIES
@given(scheme_and_kassenzeichen(), DIGITS, DIGITS)
def test_find_kassenzeichen_never_splits_a_digit_run(
    made: tuple[KassenzeichenScheme, str], left: str, right: str
) -> None:
    assume(left or right)
    scheme, kassenzeichen = made
    assert find_kassenzeichen(f"Nr. {left}{kassenzeichen}{right} danke", scheme) == []


@PROPERTIES
@given(scheme_and_kassenzeichen())
def test_rf_round_trip_of_kassenzeichen(made: tuple[KassenzeichenScheme, str]) -> None:
    scheme, kassenzeichen = made
    reference = rf_reference(kassenzeichen)
    assert is_valid_rf(reference)
    assert is_valid_rf(format_rf(reference))
    assert reference[4:] == kassenzeichen
    assert is_valid_kassenzeichen(reference[4:], scheme)
    assert reference in find_rf_references(format_rf(reference))


@PROPERTIES
@given(
    st.text(alphabet=string.digits + string.ascii_uppercase, min_size=1, max_size=21),
    SURROUNDING,
    SURROUNDING,
)
def test_rf_round_trip_of_any_reference(reference: str, before: str, after: str) -> None:
    electronic = rf_reference(reference)
    assert electronic == "RF" + electronic[2:4] + reference
    assert is_valid_rf(electronic)
    before = before + " " if before[-1:].isalnum() else before
    after = " " + after if after[:1].isalnum() else after
    assert electronic in find_rf_references(before + format_rf(electronic) + after)
    assert electronic in find_rf_references(before + electronic + after)


@PROPERTIES
@given(st.text(alphabet=string.digits, min_size=1, max_size=21), st.data())
def test_any_single_character_change_breaks_an_rf_reference(
    reference: str, data: st.DataObject
) -> None:
    electronic = rf_reference(reference)
    position = data.draw(st.integers(min_value=2, max_value=len(electronic) - 1))
    digit = data.draw(st.sampled_from(string.digits).filter(lambda d: d != electronic[position]))
    assert not is_valid_rf(electronic[:position] + digit + electronic[position + 1 :])


@PROPERTIES
@given(
    st.one_of(
        st.text(alphabet="RFrf0123456789ABCXYZ -.", max_size=30),
        st.text(alphabet=string.digits + string.ascii_uppercase, min_size=1, max_size=21).map(
            rf_reference
        ),
    )
)
def test_the_rf_check_is_python_stdnums(text: str) -> None:
    """The import's own MOD 97-10 check (issue 17) says what python-stdnum says."""
    compact = iso11649.compact(text) if text.isascii() else ""
    expected = bool(re.fullmatch(r"RF[0-9]{2}[0-9A-Z]{1,21}", compact)) and iso11649.is_valid(
        compact
    )
    assert is_valid_rf(text) == expected
