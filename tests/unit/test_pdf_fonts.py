"""The DejaVu fonts are parsed once per process and shared between documents
(``server.pdf.fonts``): every document still prints its text, embeds only the glyphs it uses and
comes out byte for byte as with fpdf2's own ``add_font``, whether it is subset from the common
glyphs or from the whole font or taken from the subsets written before, also when made in
parallel threads."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from fontTools.subset import Subsetter  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.fonts import TTFFont
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, PdfObject, StreamObject

from server.pdf import fonts, kept_subsets
from server.pdf.fonts import BASE_CHARACTERS, MONO_FAMILY, font_paths
from server.pdf.page import LEFT, Page

COMMON = "Bußgeld für Jürgen Müßig-Öztürk, Änne Weiß und Ülkü Bär-Köhler: 25,00 € (Straße)"
CODE = "ÄÖÜ-2026-ß"
# Printed only in the first document: its glyphs must not be in the second one's subsets.
ONLY_FIRST = "Ω Жж ŒĦ"
ONLY_FIRST_BOLD = "Ψ"


def render(text: str, heading: str) -> bytes:
    pdf = Page()
    pdf.describe(
        created=datetime(2026, 3, 17, 13, 5, tzinfo=UTC), title="Test", subject="Schriften"
    )
    pdf.add_page()
    pdf.heading(heading)
    pdf.paragraph(text)
    pdf.set_font(MONO_FAMILY, "B", 11)
    pdf.set_x(LEFT)
    pdf.cell(text=CODE)
    return bytes(pdf.output())


def first() -> bytes:
    return render(f"{COMMON} {ONLY_FIRST}", f"Überschrift {ONLY_FIRST_BOLD}")


def second() -> bytes:
    return render(COMMON, "Überschrift")


def text_of(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def dictionary(value: object) -> DictionaryObject:
    if isinstance(value, PdfObject):
        value = value.get_object()
    assert isinstance(value, DictionaryObject)
    return value


def embedded_characters(pdf: bytes) -> dict[str, set[str]]:
    """The characters each embedded font subset has glyphs for (its cmap), by font name
    without the subset tag."""
    characters: dict[str, set[str]] = {}
    for page in PdfReader(BytesIO(pdf)).pages:
        for reference in dictionary(dictionary(page["/Resources"])["/Font"]).values():
            font = dictionary(reference)
            descendants = font["/DescendantFonts"].get_object()
            assert isinstance(descendants, ArrayObject)
            descriptor = dictionary(dictionary(descendants[0])["/FontDescriptor"])
            stream = descriptor["/FontFile2"].get_object()
            assert isinstance(stream, StreamObject)
            name = str(font["/BaseFont"]).split("+", 1)[1]
            cmap = TTFont(BytesIO(stream.get_data())).getBestCmap()
            characters[name] = {chr(code) for code in cmap}
    return characters


def letters(text: str) -> set[str]:
    return set(text) - {" "}


def check(first_pdf: bytes, second_pdf: bytes) -> None:
    for pdf in (first_pdf, second_pdf):
        text = text_of(pdf)
        assert COMMON in text
        assert CODE in text
    assert ONLY_FIRST in text_of(first_pdf)
    assert ONLY_FIRST not in text_of(second_pdf)

    first_fonts = embedded_characters(first_pdf)
    second_fonts = embedded_characters(second_pdf)
    assert (
        set(first_fonts)
        == set(second_fonts)
        == {
            "DejaVuSansBook",
            "DejaVuSansBold",
            "DejaVuSansMonoBold",
        }
    )
    assert letters(ONLY_FIRST) <= first_fonts["DejaVuSansBook"]
    assert letters(ONLY_FIRST_BOLD) <= first_fonts["DejaVuSansBold"]
    assert not letters(ONLY_FIRST) & second_fonts["DejaVuSansBook"]
    assert not letters(ONLY_FIRST_BOLD) & second_fonts["DejaVuSansBold"]
    # The second subset is exactly the first one's without the extra letters.
    assert second_fonts["DejaVuSansBook"] == first_fonts["DejaVuSansBook"] - letters(ONLY_FIRST)
    assert letters("€ßäöüÄÖÜ") <= second_fonts["DejaVuSansBook"]
    # The text font has the base glyphs, printed or not; headings and codes only their own.
    assert set(BASE_CHARACTERS) <= second_fonts["DejaVuSansBook"]
    assert "q" not in second_fonts["DejaVuSansBold"] | second_fonts["DejaVuSansMonoBold"]
    assert letters(CODE) <= second_fonts["DejaVuSansMonoBold"]
    assert second_fonts["DejaVuSansMonoBold"] == first_fonts["DejaVuSansMonoBold"]


def fpdf2_parse_each_time(pdf: FPDF, family: str, style: str, path: Path) -> None:
    """fpdf2's own ``add_font``, its font's bounds kept as fontTools' subsetter keeps them."""
    pdf.add_font(family, style, str(path))
    font = pdf.fonts[family.lower() + style]
    assert isinstance(font, TTFFont)
    font.ttfont.recalcBBoxes = False


def test_fpdf2s_font_attributes_are_the_ones_sorted_into_per_document_and_shared() -> None:
    """When this fails after an upgrade of fpdf2, fonts are parsed for every document again:
    sort the new attributes of ``TTFFont`` into ``_PER_DOCUMENT`` (changed by a document,
    copied for each) or ``_SHARED`` (read only after parsing)."""
    assert not fonts._PER_DOCUMENT & fonts._SHARED
    assert frozenset(TTFFont.__slots__) == fonts._PER_DOCUMENT | fonts._SHARED


def test_the_installed_fonts_are_parsed_once_and_shared() -> None:
    for (family, style), path in font_paths().items():
        parsed = fonts._parse(family, style, path)
        assert parsed is not None, f"{path} is parsed for every document"
        assert fonts._parse(family, style, path) is parsed


def fonts_written_from(monkeypatch: pytest.MonkeyPatch, make: Callable[[], bytes]) -> set[str]:
    """The fonts (fpdf2's keys) that ``make`` writes from the common font, not the whole one."""
    opened: dict[str, bool] = {}
    fonttools_font = fonts._ParsedFont.fonttools_font

    def spy(parsed: fonts._ParsedFont, *, common: bool) -> TTFont:
        opened[parsed.template.fontkey] = common
        return fonttools_font(parsed, common=common)

    monkeypatch.setattr(fonts._ParsedFont, "fonttools_font", spy)
    make()
    return {fontkey for fontkey, common in opened.items() if common}


def test_a_font_whose_glyphs_are_all_common_is_subset_from_the_common_font(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert fonts_written_from(monkeypatch, second) == {"dejavu", "dejavuB", "dejavumonoB"}
    # Cyrillic and Greek are not common.
    assert fonts_written_from(monkeypatch, first) == {"dejavumonoB"}


def test_a_glyph_used_after_the_font_went_common_brings_back_the_whole_font(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def make(*, shared: bool) -> bytes:
        pdf = Page()
        pdf.describe(created=datetime(2026, 3, 17, tzinfo=UTC), title="Test", subject="Spät")
        pdf.add_page()
        pdf.paragraph(COMMON)
        font = pdf.current_font
        assert isinstance(font, TTFFont)
        font.subset.get_all_glyph_names()
        assert (len(font.ttfont.getGlyphOrder()) < 1000) is shared
        pdf.paragraph(ONLY_FIRST)
        assert len(font.ttfont.getGlyphOrder()) > 5000
        return bytes(pdf.output())

    shared = make(shared=True)
    assert ONLY_FIRST in text_of(shared)
    monkeypatch.setattr(fonts, "add_font", fpdf2_parse_each_time)
    assert shared == make(shared=False)


def test_documents_are_byte_for_byte_what_fpdf2s_own_parse_makes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shared = [first(), second(), first()]
    monkeypatch.setattr(fonts, "add_font", fpdf2_parse_each_time)
    own = [first(), second(), first()]
    assert shared == own
    assert shared[0] != shared[1]


def test_one_document_after_another_embeds_only_its_own_glyphs() -> None:
    check(first(), second())


def test_documents_made_in_parallel_threads_are_the_same_as_one_after_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = {"first": first(), "second": second()}
    # The threads also race for the first parse.
    monkeypatch.setattr(fonts, "_parsed", {})
    makers = {"first": first, "second": second}
    names = ["first", "second"] * 4
    start = threading.Barrier(len(names))

    def make(name: str) -> bytes:
        start.wait()
        return makers[name]()

    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        made = list(pool.map(make, names))
    for name, pdf in zip(names, made, strict=True):
        assert pdf == expected[name]
    check(made[0], made[1])


def test_a_document_embeds_only_the_families_it_chooses() -> None:
    """fpdf2 subsets and embeds every registered font: the code font of the letters comes only
    into documents that print a code."""

    def make(*, code: bool) -> bytes:
        pdf = Page()
        pdf.describe(created=datetime(2026, 12, 6, tzinfo=UTC), title="Test", subject="Schrift")
        pdf.add_page()
        pdf.paragraph(f"{COMMON} **fett**", markdown=True)
        if code:
            pdf.set_font(MONO_FAMILY, "B", 11)
            pdf.cell(text=CODE)
        return bytes(pdf.output())

    text_only = make(code=False)
    assert text_only.count(b"/FontFile2") == 2
    assert b"DejaVuSansMono" not in text_only
    assert "fett" in text_of(text_only)
    with_code = make(code=True)
    assert with_code.count(b"/FontFile2") == 3
    assert CODE in text_of(with_code)


def test_fpdf2_writes_its_fonts_with_the_keeping_subsetter() -> None:
    """When this fails after an upgrade of fpdf2, every document subsets its fonts again:
    ``server.pdf.kept_subsets.install`` must reach the subsetter fpdf2's output uses."""
    import fpdf.output

    assert vars(fpdf.output)["ftsubset"].Subsetter is kept_subsets.KeptSubsetter


def subsets_made(monkeypatch: pytest.MonkeyPatch, make: Callable[[], bytes]) -> int:
    """How many font subsets fontTools makes while ``make`` writes a document."""
    made = [0]
    real = Subsetter.subset

    def counted(subsetter: Subsetter, font: TTFont) -> None:
        made[0] += 1
        real(subsetter, font)

    monkeypatch.setattr(Subsetter, "subset", counted)
    make()
    monkeypatch.undo()
    return made[0]


def test_a_subset_written_for_the_same_glyphs_is_taken_as_it_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kept_subsets.forget_kept_subsets()
    assert subsets_made(monkeypatch, second) == 3  # text, bold, code
    assert subsets_made(monkeypatch, second) == 0
    # Other glyphs (the first document's extra letters): the text and bold fonts anew; the
    # code prints the same glyphs in both.
    assert subsets_made(monkeypatch, first) == 2
    kept_subsets.forget_kept_subsets()
    assert subsets_made(monkeypatch, second) == 3


def test_documents_from_kept_subsets_are_byte_for_byte_what_fpdf2_writes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kept_subsets.forget_kept_subsets()
    kept = [second(), first(), second(), first()]  # the last two from kept subsets
    monkeypatch.setattr(fonts, "add_font", fpdf2_parse_each_time)
    own = [second(), first(), second(), first()]
    assert kept == own
    check(kept[3], kept[2])


def test_documents_that_print_other_names_and_references_take_the_kept_subsets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two receipts differ in the payer's name and the payment's reference: the second one's
    text font is the first one's subset, written once (``BASE_CHARACTERS``)."""
    kept_subsets.forget_kept_subsets()

    def receipt(name: str, reference: str) -> Callable[[], bytes]:
        return lambda: render(f"{COMMON} {name}, Referenz {reference}", "Überschrift")

    assert subsets_made(monkeypatch, receipt("Quentin Vogt", "9XJ27QZ4KW")) == 3
    other = receipt("Yusuf Kaya-Haas", "PAYID-M5GH3JQ")
    assert subsets_made(monkeypatch, other) == 0
    assert "Yusuf Kaya-Haas, Referenz PAYID-M5GH3JQ" in " ".join(text_of(other()).split())


def test_the_kept_subsets_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    kept_subsets.forget_kept_subsets()
    monkeypatch.setattr(kept_subsets, "KEPT_SUBSETS", 4)
    for number in range(6):
        render(f"{COMMON} {'Ж' * (number + 1)}{chr(0x410 + number)}", "Überschrift")
    assert len(kept_subsets._kept) == 4
    # The most recent are kept: the last document is written without subsetting.
    assert subsets_made(monkeypatch, lambda: render(f"{COMMON} ЖЖЖЖЖЖЕ", "Überschrift")) == 0
