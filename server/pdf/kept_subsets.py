"""Font subsets written once per process and kept: a receipt of one kind prints mostly the same
glyphs as the last one (its fixed texts, the letterhead, the digits), and subsetting a font
with fontTools was two thirds of the time to make it, whether the glyphs were new or not.

fpdf2 writes a document's font in ``OutputProducer._add_fonts``: it asks the document's glyph
record for the glyph names, subsets the document's fontTools font to them, reads the new glyph
numbers from it and saves it. Here the subsetter it uses (``fpdf.output.ftsubset``) is one that
looks up the subset of that font for those glyphs and those options first; when it was written
before, the document's font (a ``DocumentFont``) is not subset again but answers glyph numbers
from the kept subset and saves its bytes. The bytes are what fontTools makes of the same input,
so a document is byte for byte the one fpdf2 writes alone (tests/unit/test_pdf_fonts.py).
Only fonts opened by ``server.pdf.fonts`` are ``DocumentFont``; any other is subset as before.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from io import BytesIO
from types import SimpleNamespace
from typing import IO, Any

import fpdf.output
from fontTools import subset as fonttools_subset  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

# Each subset is some 10 to 40 KB: at most about 2 MB per process.
KEPT_SUBSETS = 64


@dataclass(frozen=True)
class WrittenSubset:
    data: bytes
    glyph_ids: dict[str, int]


_Key = tuple[str, frozenset[str], frozenset[int], frozenset[int], str]
_kept: OrderedDict[_Key, WrittenSubset] = OrderedDict()
_keeping = threading.Lock()


def _kept_subset(key: _Key) -> WrittenSubset | None:
    with _keeping:
        written = _kept.get(key)
        if written is not None:
            _kept.move_to_end(key)
        return written


def _keep(key: _Key, written: WrittenSubset) -> None:
    with _keeping:
        _kept[key] = written
        _kept.move_to_end(key)
        while len(_kept) > KEPT_SUBSETS:
            _kept.popitem(last=False)


def forget_kept_subsets() -> None:
    """Tests: the next documents subset their fonts again."""
    with _keeping:
        _kept.clear()


class DocumentFont(TTFont):  # type: ignore[misc]  # fontTools is untyped
    """The fontTools font of one document, from the font file ``source`` (its path): fpdf2
    subsets and saves it, or takes the subset written before for the same glyphs."""

    def __init__(self, file: IO[bytes], *, source: str, **options: Any) -> None:
        super().__init__(file, **options)
        self.source = source
        self.written: WrittenSubset | None = None
        self.pending: _Key | None = None

    def getGlyphID(self, glyphName: str) -> int:  # fontTools names it so
        if self.written is not None:
            return self.written.glyph_ids[glyphName]
        return int(super().getGlyphID(glyphName))

    def save(self, file: Any, reorderTables: bool | None = True) -> None:
        if self.written is not None:
            _write(file, self.written.data)
            return
        if self.pending is None:
            super().save(file, reorderTables)
            return
        output = BytesIO()
        super().save(output, reorderTables)
        data = output.getvalue()
        order = self.getGlyphOrder()
        _keep(self.pending, WrittenSubset(data, {name: index for index, name in enumerate(order)}))
        _write(file, data)


def _write(file: Any, data: bytes) -> None:
    if isinstance(file, str):
        with open(file, "wb") as output:
            output.write(data)
    else:
        file.write(data)


def _options_key(options: Any) -> str:
    return repr(sorted(vars(options).items()))


class KeptSubsetter(fonttools_subset.Subsetter):  # type: ignore[misc]  # fontTools is untyped
    """fontTools' subsetter, which takes a ``DocumentFont``'s subset from those written before
    when there is one for the same font, glyphs and options, and keeps the one it makes."""

    def subset(self, font: Any) -> None:
        if not isinstance(font, DocumentFont) or font.written is not None:
            super().subset(font)
            return
        key: _Key = (
            font.source,
            frozenset(self.glyph_names_requested),
            frozenset(self.glyph_ids_requested),
            frozenset(self.unicodes_requested),
            _options_key(self.options),
        )
        written = _kept_subset(key)
        if written is not None:
            font.written = written
            return
        super().subset(font)
        font.pending = key


def install() -> None:
    """fpdf2 writes its fonts with the keeping subsetter (only fpdf2's output module sees it)."""
    fpdf.output.ftsubset = SimpleNamespace(  # type: ignore[attr-defined]
        Options=fonttools_subset.Options, Subsetter=KeptSubsetter
    )
