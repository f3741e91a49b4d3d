"""Every offence of the catalogue has its English text, and only those offences have one."""

from __future__ import annotations

from server.fines.offences_data import OFFENCES, offence_text
from server.fines.offences_en import OFFENCE_TEXTS

GERMAN_MARKERS = ("Sie ", "parkten", "Zeichen", "Gehweg", "Haltverbot", "ä", "ö", "ü", "ß")


def test_every_offence_has_an_english_text_in_english() -> None:
    numbers = {offence.number for offence in OFFENCES}
    assert set(OFFENCE_TEXTS) == numbers
    for number, text in OFFENCE_TEXTS.items():
        assert text.startswith("You "), number
        assert not [marker for marker in GERMAN_MARKERS if marker in text], number


def test_offence_text_is_the_official_german_one_unless_translated() -> None:
    offence = OFFENCES[0]
    assert offence_text(offence.number, offence.text, "de") == offence.text
    assert offence_text(offence.number, offence.text, "en") == OFFENCE_TEXTS[offence.number]
    assert offence_text("999999", "Sie parkten.", "en") == "Sie parkten."
    assert offence_text(offence.number, offence.text, "fr") == offence.text
