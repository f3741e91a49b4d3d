"""The fonts of every PDF: DejaVu Sans (umlauts, ß and €) and DejaVu Sans Mono for codes to type,
embedded as subsets. Found where Linux distributions install them; missing fonts are a
``PdfError``, never a PDF with a fallback font that lacks the letters."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fpdf import FPDF


class PdfError(ValueError):
    """The document cannot be made: bad content, or the font is not installed."""


FONT_FAMILY = "DejaVu"
MONO_FAMILY = "DejaVuMono"
FONT_FILES = {
    (FONT_FAMILY, ""): "DejaVuSans.ttf",
    (FONT_FAMILY, "B"): "DejaVuSans-Bold.ttf",
    (MONO_FAMILY, "B"): "DejaVuSansMono-Bold.ttf",
}
# Debian/Ubuntu (fonts-dejavu-core), Fedora/Arch, Alpine.
FONT_DIRECTORIES = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu-sans-fonts"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/share/fonts/dejavu"),
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


def add_fonts(pdf: FPDF) -> str:
    """Registers the DejaVu fonts of ``font_paths`` and returns the family name of
    the regular text font (the family that has a regular style)."""
    paths = font_paths()
    for (family, style), path in paths.items():
        pdf.add_font(family, style, str(path))
    return next(family for family, style in paths if not style)
