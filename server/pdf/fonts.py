"""The fonts of every PDF: DejaVu Sans (umlauts, ß and €) and DejaVu Sans Mono for codes to type,
embedded as subsets. Found where Linux distributions install them; missing fonts are a
``PdfError``, never a PDF with a fallback font that lacks the letters.

Each font is parsed once per process (``FPDF.add_font`` took most of the time of a small PDF)
and every document gets a font object of its own built from that parse: fpdf2 subsets a font's
fontTools object in place when it writes the document, and documents are made in parallel
threads, so what a document writes to is never shared (``_PER_DOCUMENT``). A document that
prints only common characters (``COMMON_CHARACTERS``) is subset from a font of those few hundred
glyphs, not from DejaVu's six thousand: decoding those was most of the rest of the time.

A subset keeps the whole font's bounds (``recalcBBoxes=False``, as fontTools' own subsetter
does): they still bound every glyph it has, and recomputing them meant decoding and encoding
again every glyph the document uses (a third of a receipt's time). A family is registered when a
document first chooses it (``add_family``): fpdf2 embeds every registered font, used or not.
A subset written for the same glyphs before is taken as it is (``server.pdf.kept_subsets``);
the text font always has the glyphs of ``BASE_CHARACTERS``, so that documents of one kind that
differ in names and references have the same glyphs and share a subset."""

from __future__ import annotations

import copy
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path

from fontTools.subset import Options, Subsetter  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]  # fpdf2 depends on it
from fpdf import FPDF
from fpdf.fonts import Glyph, SubsetMap, TTFFont

from server.pdf import kept_subsets
from server.pdf.kept_subsets import DocumentFont

kept_subsets.install()


class PdfError(ValueError):
    """The document cannot be made: bad content, or the font is not installed."""


FONT_FAMILY = "DejaVu"
MONO_FAMILY = "DejaVuMono"
FONT_FILES = {
    (FONT_FAMILY, ""): "DejaVuSans.ttf",
    (FONT_FAMILY, "B"): "DejaVuSans-Bold.ttf",
    (MONO_FAMILY, "B"): "DejaVuSansMono-Bold.ttf",
}
# German text, names from the neighbouring countries' alphabets, the portal's punctuation and
# U+FFFD, which ``server.pdf.text.printable`` prints for a character the font lacks.
COMMON_CHARACTERS = frozenset(
    chr(code)
    for codes in (
        range(0x20, 0x7F),  # ASCII
        range(0xA0, 0x180),  # Latin-1 Supplement, Latin Extended-A
        range(0x218, 0x21C),  # Romanian ș, ț
        range(0x2010, 0x2028),  # dashes, quotation marks, bullet, ellipsis
        range(0x2030, 0x203B),  # per mille, angle quotation marks
        (0x20AC, 0x2122, 0xFFFD),  # €, ™, replacement character
    )
    for code in codes
)
# Embedded with the text font (the regular style, which prints what differs from one document to
# the next: names, amounts, references) whether a document prints them or not, in this order,
# before any other glyph. A kind of document's fixed texts and these are nearly every document's
# glyphs, so its text font's subset is one written before (``kept_subsets``) instead of a new
# one for the letters of each name and payment reference: a receipt 20.5 to 13.9 ms of CPU, for
# some 6 KB more (issue 17). The ASCII letters, digits and signs, German's letters and the
# portal's punctuation. Headings and labels (bold) and codes (mono) print fixed texts or few
# documents and get only the glyphs they print.
BASE_CHARACTERS = "".join(chr(code) for code in range(0x21, 0x7F)) + "ÄÖÜäöüß€§°–—„“‚‘…·"
_BASE_CODES = tuple(ord(char) for char in BASE_CHARACTERS)
# Debian/Ubuntu (fonts-dejavu-core), Fedora/Arch, Alpine.
FONT_DIRECTORIES = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu-sans-fonts"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/share/fonts/dejavu"),
)

# The attributes of fpdf2's TTFFont a document changes while it is made and written: the font's
# number in the document, the fontTools font (subset in place on output), the descriptor (named
# and numbered on output), the glyphs used and missing, the largest size, and the widths and
# glyph numbers by character (fpdf2 copies those two for each recorded copy of a font, and the
# widths are a defaultdict that grows when read). Everything else is read only after parsing
# and is shared. Fonts are parsed per document again when fpdf2's attribute list is not these
# two groups; tests/unit/test_pdf_fonts.py fails then, so that a new attribute after an upgrade
# of fpdf2 is sorted into one of them.
_PER_DOCUMENT = frozenset(
    {
        "i",
        "ttfont",
        "desc",
        "cw",
        "glyph_ids",
        "subset",
        "missing_glyphs",
        "biggest_size_pt",
        "_hbfont",
        "color_font",
    }
)
_SHARED = frozenset(
    {
        "type",
        "name",
        "sp",
        "ss",
        "up",
        "ut",
        "ttffile",
        "fontkey",
        "emphasis",
        "scale",
        "cmap",
        "unicode_range",
        "palette_index",
        "is_compressed",
        "is_cff",
        "is_cid_keyed",
        "is_symbol",
        "cff_ros",
        "collection_font_number",
    }
)


@cache
def font_paths() -> dict[tuple[str, str], Path]:
    """Where the DejaVu TrueType files are; raises ``PdfError`` when they are missing."""
    for directory in FONT_DIRECTORIES:
        paths = {key: directory / name for key, name in FONT_FILES.items()}
        if all(path.is_file() for path in paths.values()):
            return paths
    raise PdfError(
        "DejaVu fonts not found in "
        + ", ".join(str(directory) for directory in FONT_DIRECTORIES)
        + "; install them (Debian/Ubuntu: apt-get install fonts-dejavu-core)"
    )


@dataclass(frozen=True)
class _ParsedFont:
    """A font as fpdf2 parsed it (``template``, never part of a document), the bytes of its file
    and of a font with only its ``common_glyphs`` (those of ``COMMON_CHARACTERS`` and the parts
    they are drawn from), from which each document gets a fontTools font of its own to subset."""

    template: TTFFont
    data: bytes
    common: bytes
    common_glyphs: frozenset[str]

    def fonttools_font(self, *, common: bool) -> TTFont:
        # Opened as TTFFont opens its file: lazily (tables are read when the subsetting needs
        # them) and keeping the file's timestamp, so the same content gives the same bytes.
        return DocumentFont(
            BytesIO(self.common if common else self.data),
            source=str(self.template.ttffile),
            recalcTimestamp=False,
            recalcBBoxes=False,
            fontNumber=self.template.collection_font_number,
            lazy=True,
        )


# The tables fpdf2 leaves out of every embedded font (fpdf.output ``_add_fonts``), and ``kern``,
# which fontTools' subsetter leaves out of a font with GPOS. The common font goes without them,
# so that subsetting it for a document reads none of them.
_DROPPED_ON_OUTPUT = (
    "FFTM",
    "GDEF",
    "GPOS",
    "GSUB",
    "MATH",
    "hdmx",
    "meta",
    "sbix",
    "CBDT",
    "CBLC",
    "EBDT",
    "EBLC",
    "EBSC",
    "SVG ",
    "CPAL",
    "COLR",
    "kern",
)

_parsed: dict[tuple[str, str, Path], _ParsedFont | None] = {}
_parsing = threading.Lock()


def _parse(family: str, style: str, path: Path) -> _ParsedFont | None:
    """The font parsed once for this process, or None where a copy would differ from what
    ``FPDF.add_font`` makes (fpdf2 changed the fontTools font while parsing, e.g. drew a
    missing .notdef glyph, or keeps more than the glyph outlines: colour glyphs, CFF)."""
    key = (family, style, path)
    with _parsing:
        if key not in _parsed:
            scratch = FPDF()
            scratch.add_font(family, style, str(path))
            (template,) = scratch.fonts.values()
            if not isinstance(template, TTFFont):
                raise TypeError(f"{path} was not parsed as a TrueType font: {template!r}")
            data = path.read_bytes()
            whole = TTFont(BytesIO(data), recalcTimestamp=False, recalcBBoxes=False, lazy=True)
            shareable = (
                frozenset(TTFFont.__slots__) == _PER_DOCUMENT | _SHARED
                and template.collection_font_number == 0
                and not template.is_compressed
                and not template.is_cff
                and template.color_font is None
                and "glyf" in whole
                and ".notdef" in whole.getGlyphOrder()
            )
            if shareable:
                common, common_glyphs = _common_font(whole, template.cmap)
                _parsed[key] = _ParsedFont(template, data, common, common_glyphs)
            else:
                _parsed[key] = None
            # The fontTools font fpdf2 parsed holds the outlines, metrics and names it decoded;
            # documents never use it.
            template.ttfont.close()
            template.ttfont = TTFont(BytesIO(data), lazy=True)
        return _parsed[key]


def _common_font(whole: TTFont, cmap: dict[int, str]) -> tuple[bytes, frozenset[str]]:
    """``whole`` with only the glyphs of ``COMMON_CHARACTERS`` (and those they are made of) and
    everything else kept as it is (tables, names, hinting, bounds) but the tables fpdf2 drops,
    so that fpdf2's subset of it is the subset it makes of the whole font, byte for byte."""
    options = Options(
        glyph_names=True,
        notdef_glyph=True,
        notdef_outline=True,
        recommended_glyphs=True,
        drop_tables=list(_DROPPED_ON_OUTPUT),
        passthrough_tables=True,
        legacy_kern=True,
        layout_features=["*"],
        name_IDs=["*"],
        name_languages=["*"],
        name_legacy=True,
        legacy_cmap=True,
        symbol_cmap=True,
        prune_unicode_ranges=False,
        prune_codepage_ranges=False,
    )
    subsetter = Subsetter(options)
    codes = {ord(char) for char in COMMON_CHARACTERS}
    subsetter.populate(glyphs=sorted({name for code, name in cmap.items() if code in codes}))
    subsetter.subset(whole)
    output = BytesIO()
    whole.save(output)
    return output.getvalue(), frozenset(whole.getGlyphOrder())


class _DocumentGlyphs(SubsetMap):
    """fpdf2's record of the glyphs a document uses: ``pick_glyph`` adds one, and fpdf2 asks for
    ``get_all_glyph_names`` when it writes the document, to subset the font. While the document
    is made its font is the whole font file; then, if all its glyphs are common ones, the common
    font, which gives the same subset. A glyph used after that brings the whole font back. Not
    with text shaping, which reads glyph names from the font by the numbers of the file."""

    def __init__(self, font: TTFFont, parsed: _ParsedFont, pdf: FPDF) -> None:
        self._parsed = parsed
        self._pdf = weakref.ref(pdf)
        self._common = False
        font.ttfont = parsed.fonttools_font(common=False)
        super().__init__(font)

    def pick_glyph(self, glyph: Glyph | None) -> int | None:
        if (
            self._common
            and glyph is not None
            and glyph.glyph_name not in self._parsed.common_glyphs
        ):
            self._use(common=False)
        return super().pick_glyph(glyph)

    def get_all_glyph_names(self) -> Sequence[str]:
        names = super().get_all_glyph_names()
        pdf = self._pdf()
        if (
            not self._common
            and pdf is not None
            and not pdf.text_shaping
            and self._parsed.common_glyphs.issuperset(names)
        ):
            self._use(common=True)
        return names

    def _use(self, *, common: bool) -> None:
        self.font.ttfont.close()
        self.font.ttfont = self._parsed.fonttools_font(common=common)
        self._common = common


def _document_font(pdf: FPDF, parsed: _ParsedFont) -> TTFFont:
    """A font object for ``pdf`` that shares the parsed, read-only data of ``parsed`` and has
    fresh copies of everything the document changes (``_PER_DOCUMENT``)."""
    template = parsed.template
    font = copy.copy(template)
    font.i = len(pdf.fonts) + 1
    font.desc = copy.copy(template.desc)
    font.cw = template.cw.copy()
    font.glyph_ids = dict(template.glyph_ids)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font.color_font = None
    font.subset = _DocumentGlyphs(font, parsed, pdf)  # and the fontTools font
    return font


def add_font(pdf: FPDF, family: str, style: str, path: Path) -> None:
    """``pdf.add_font(family, style, path)``, parsing the file only the first time in this
    process."""
    parsed = _parse(family, style, path)
    if parsed is None or parsed.template.fontkey in pdf.fonts:
        # fpdf2's own way, which also warns about a font added twice.
        pdf.add_font(family, style, str(path))
        return
    pdf.fonts[parsed.template.fontkey] = _document_font(pdf, parsed)


def forget_parsed_fonts() -> None:
    """Tests: the next document parses its fonts again."""
    with _parsing:
        _parsed.clear()


def parse_fonts() -> int:
    """Parse every font of ``FONT_FILES`` now rather than when a document first uses it (a
    server does so before forking its workers: ``server.warm_start``); how many. Raises
    ``PdfError`` when the fonts are not installed."""
    paths = font_paths()
    for (family, style), path in paths.items():
        _parse(family, style, path)
    return len(paths)


def text_family() -> str:
    """The family name of the regular text font (the family that has a regular style); raises
    ``PdfError`` when the fonts are not installed."""
    return next(family for family, style in font_paths() if not style)


def add_family(pdf: FPDF, family: str) -> None:
    """Registers the styles of ``family`` (one of ``FONT_FILES``; any other is left to fpdf2)
    that ``pdf`` does not have yet, the regular style with the glyphs of ``BASE_CHARACTERS``.
    Called when a family is first chosen: fpdf2 subsets and embeds every registered font when
    it writes the document, used or not."""
    for (known, style), path in font_paths().items():
        key = f"{known.lower()}{style}"
        if known.lower() == family.lower() and key not in pdf.fonts:
            add_font(pdf, known, style, path)
            font = pdf.fonts[key]
            if isinstance(font, TTFFont) and not style:
                for code in _BASE_CODES:
                    font.subset.pick(code)
