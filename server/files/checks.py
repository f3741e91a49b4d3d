"""What an uploaded file really is, decided by its content and never by its name or the type
the browser claims. Pictures are re-encoded (no metadata, no hidden payload, bounded size),
after their header has shown they are not too large to decode; PDFs are kept as sent once
pypdf has read them and found nothing a viewer would run or unpack. The name shown for a
file is cleaned (no paths, no control or direction characters) and carries the suffix of what
the file turned out to be."""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum
from typing import Any

from flask import current_app, has_app_context
from flask_babel import format_decimal
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject
from werkzeug.datastructures import FileStorage

MAX_IMAGE_SIDE = 3000  # pixels; phone photos are larger than any evidence needs
# Defaults of the settings UPLOAD_IMAGE_MAX_MEGAPIXELS and UPLOAD_PDF_MAX_PAGES (server.config).
DEFAULT_MAX_MEGAPIXELS = 50  # a 48 MP phone photo (8000 × 6000) still fits
DEFAULT_MAX_PDF_PAGES = 200
# The formats the refusal names; Pillow's many rarer decoders never see an upload.
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP")
# PDF objects looked at for active content (up to about 2 s of work); a real document, its
# structure tree left out, has far fewer. More is refused as unreadable.
MAX_PDF_OBJECTS = 50_000
MAX_NAME_LENGTH = 120  # characters of a shown file name, suffix included
FALLBACK_NAME = "datei"
KINDS = ("image", "pdf")


class FileRejected(ValueError):
    """A file the portal does not accept; the message is for the citizen (translated)."""


class ImageTooLarge(ValueError):
    """A picture with more pixels than may be decoded (known from its header alone)."""


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    suffix: str
    name: str  # the citizen's file name, cleaned, with the suffix of what it now is


def read_limited(file: FileStorage, limit: int) -> bytes:
    data = file.stream.read(limit + 1)
    if len(data) > limit:
        if limit % (1024 * 1024) == 0:
            message = _(
                "„%(name)s“ ist größer als %(mb)s MB.",
                name=display_name(file),
                mb=limit // (1024 * 1024),
            )
        else:
            message = _(
                "„%(name)s“ ist größer als %(kb)s KB.",
                name=display_name(file),
                kb=max(1, limit // 1024),
            )
        raise FileRejected(message)
    return data


# --- names -------------------------------------------------------------------------------

_SUFFIX = re.compile(r"\.\w{1,10}")


def _clean_character(character: str) -> str:
    category = unicodedata.category(character)
    if category == "Cc" or category[0] == "Z":  # tabs, line breaks, exotic spaces
        return " "
    if category[0] == "C":  # format (bidi controls, zero widths), surrogates, private, unassigned
        return ""
    return character


def _split_suffix(name: str) -> tuple[str, str]:
    stem, dot, suffix = name.rpartition(".")
    if dot and stem and _SUFFIX.fullmatch(dot + suffix):
        return stem, dot + suffix
    return name, ""


def _bounded(stem: str, suffix: str) -> str:
    stem = stem[: MAX_NAME_LENGTH - len(suffix)].rstrip(" .") or FALLBACK_NAME
    return stem + suffix


def clean_name(raw: str | None) -> str:
    """A file name safe to show and to offer for download: NFC, no control, format or
    direction characters, no path, no leading dots, single spaces, at most
    ``MAX_NAME_LENGTH`` characters with its suffix kept; ``datei`` when nothing is left."""
    text = "".join(_clean_character(c) for c in unicodedata.normalize("NFC", raw or ""))
    text = unicodedata.normalize("NFC", text)
    text = re.split(r"[/\\]", text)[-1]  # browsers on Windows may send C:\fakepath\…
    text = " ".join(text.split()).lstrip(". ").rstrip(". ")
    if not text:
        return FALLBACK_NAME
    return _bounded(*_split_suffix(text))


def with_suffix(name: str, suffix: str) -> str:
    """``name`` (already clean) with ``suffix`` in place of its own."""
    return _bounded(_split_suffix(name)[0], suffix)


def display_name(file: FileStorage) -> str:
    return clean_name(file.filename)


# --- pictures ----------------------------------------------------------------------------


def _check_pixels(image: Image.Image, max_pixels: int) -> None:
    width, height = image.size
    if width * height > max_pixels:
        raise ImageTooLarge(f"{width} × {height} pixels")


# Modes Pillow scales down well; others become RGB (or L) before they are scaled.
_SCALABLE_MODES = frozenset({"L", "LA", "RGB", "RGBA", "RGBX", "CMYK", "YCbCr"})


def _smaller_first(image: Image.Image) -> Image.Image:
    """The picture scaled down to ``MAX_IMAGE_SIDE`` before it is turned or converted, so a
    large picture is held in memory once and not three times."""
    # A JPEG is even decoded at a reduced scale when it is much larger than kept.
    image.draft("RGB", (MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
    if image.mode not in _SCALABLE_MODES:
        image = image.convert("L" if image.mode == "1" else "RGB")
    image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
    return image


def reencode_image(
    data: bytes, *, max_pixels: int = DEFAULT_MAX_MEGAPIXELS * 1_000_000
) -> bytes | None:
    """A clean JPEG of the picture, or None if it is none. Raises ``ImageTooLarge`` when its
    header announces more than ``max_pixels``: decided before a single pixel is decoded."""
    # Pillow's own guard says the same (it warns above the limit, refuses above twice it).
    Image.MAX_IMAGE_PIXELS = max_pixels
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            # Image.open reads the header only; the size is checked before verify and load.
            with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS) as probe:
                _check_pixels(probe, max_pixels)
                probe.verify()
            with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS) as image:
                _check_pixels(image, max_pixels)
                picture = _smaller_first(image)
                picture = ImageOps.exif_transpose(picture).convert("RGB")
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
            raise ImageTooLarge(str(error)) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            return None
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


# --- PDFs --------------------------------------------------------------------------------


class PdfProblem(Enum):
    UNREADABLE = "unreadable"
    ENCRYPTED = "encrypted"
    TOO_MANY_PAGES = "too many pages"
    ACTIVE_CONTENT = "active content"  # JavaScript, launch actions, XFA forms
    EMBEDDED_FILES = "embedded files"


# Keys and values that make a viewer run something or unpack a file.
_ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/XFA"})
_ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch"})
_EMBEDDED_KEYS = frozenset({"/EmbeddedFiles", "/EF"})


class _TooComplex(Exception):
    pass


def _resolved(value: Any) -> Any:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _dictionary_problem(dictionary: DictionaryObject) -> PdfProblem | None:
    keys = set(dictionary.keys())
    if keys & _ACTIVE_KEYS or _resolved(dictionary.get("/S")) in _ACTIVE_ACTIONS:
        return PdfProblem.ACTIVE_CONTENT
    if (
        keys & _EMBEDDED_KEYS
        or _resolved(dictionary.get("/Subtype")) == "/FileAttachment"
        or _resolved(dictionary.get("/Type")) == "/EmbeddedFile"
        or _resolved(dictionary.get("/S")) == "/GoToE"
    ):
        return PdfProblem.EMBEDDED_FILES
    return None


def _active_content(reader: PdfReader) -> PdfProblem | None:
    """Walk every object reachable from the trailer (the catalogue, name trees, actions,
    pages, annotations, form fields, outlines) for JavaScript and embedded files. The
    structure tree of a tagged PDF (tens of thousands of objects in a long document) is left
    out: nothing a viewer runs or unpacks is reached only through it."""
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [reader.trailer]
    budget = MAX_PDF_OBJECTS
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            reference = (node.idnum, node.generation)
            if reference in seen:
                continue
            seen.add(reference)
            node = node.get_object()
        budget -= 1
        if budget < 0:
            raise _TooComplex
        if isinstance(node, DictionaryObject):  # streams too: their dictionary
            problem = _dictionary_problem(node)
            if problem is not None:
                return problem
            # dict.items: the raw entries, indirect references unresolved
            stack.extend(
                v
                for k, v in dict.items(node)
                if k != "/StructTreeRoot"
                and isinstance(v, IndirectObject | DictionaryObject | ArrayObject)
            )
        elif isinstance(node, ArrayObject):
            stack.extend(
                v
                for v in list.__iter__(node)
                if isinstance(v, IndirectObject | DictionaryObject | ArrayObject)
            )
    return None


def pdf_problem(data: bytes, *, max_pages: int = DEFAULT_MAX_PDF_PAGES) -> PdfProblem | None:
    """None for a PDF clerks can open safely; otherwise why not. Anything pypdf cannot read,
    for whatever reason, is unreadable: hostile files fail in many ways."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            return PdfProblem.ENCRYPTED
        pages = _resolved(reader.trailer["/Root"])["/Pages"]
        declared = _resolved(pages.get("/Count", 0))
        if isinstance(declared, int) and declared > max_pages:
            return PdfProblem.TOO_MANY_PAGES  # before the page tree is walked
        count = len(reader.pages)
        if count == 0:
            return PdfProblem.UNREADABLE
        if count > max_pages:
            return PdfProblem.TOO_MANY_PAGES
        return _active_content(reader)
    except Exception:  # pypdf.errors.*, and KeyError, TypeError … from broken structures
        return PdfProblem.UNREADABLE


def is_pdf(data: bytes) -> bool:
    """Whether the content claims to be a PDF (``pdf_problem`` then says if it is a good one)."""
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]


# --- the check ---------------------------------------------------------------------------


def _refusal(name: str, accept: Collection[str]) -> str:
    if set(accept) == {"image"}:
        return _("„%(name)s“ ist kein Foto (JPEG, PNG, WebP).", name=name)
    if set(accept) == {"pdf"}:
        return _("„%(name)s“ ist kein PDF-Dokument.", name=name)
    return _("„%(name)s“ ist kein Foto (JPEG, PNG, WebP) und kein PDF.", name=name)


def _pdf_refusal(problem: PdfProblem, name: str, accept: Collection[str], max_pages: int) -> str:
    if problem is PdfProblem.ENCRYPTED:
        return _(
            "„%(name)s“ ist verschlüsselt oder mit einem Kennwort geschützt. Bitte speichern "
            "Sie das PDF ohne Schutz.",
            name=name,
        )
    if problem is PdfProblem.TOO_MANY_PAGES:
        return _(
            "„%(name)s“ hat mehr als %(pages)s Seiten. Bitte senden Sie nur die nötigen Seiten.",
            name=name,
            pages=max_pages,
        )
    if problem is PdfProblem.ACTIVE_CONTENT:
        return _(
            "„%(name)s“ enthält JavaScript oder andere ausführbare Inhalte. Bitte speichern Sie "
            "es als einfaches PDF (zum Beispiel über „Drucken“ und „Als PDF speichern“).",
            name=name,
        )
    if problem is PdfProblem.EMBEDDED_FILES:
        return _(
            "„%(name)s“ enthält eingebettete Dateien. Bitte speichern Sie es als einfaches PDF "
            "(zum Beispiel über „Drucken“ und „Als PDF speichern“).",
            name=name,
        )
    return _refusal(name, accept)


def _setting(name: str, default: int) -> int:
    if has_app_context():
        return int(current_app.config.get(name, default))
    return default


def check_file(
    file: FileStorage,
    *,
    max_bytes: int,
    accept: Collection[str] = KINDS,
    max_pixels: int | None = None,
    max_pdf_pages: int | None = None,
) -> CheckedFile:
    """Read and check one upload; raises ``FileRejected`` with the citizen's message. The
    limits default to the settings UPLOAD_IMAGE_MAX_MEGAPIXELS and UPLOAD_PDF_MAX_PAGES."""
    unknown = set(accept) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown kinds of content: {sorted(unknown)}")
    if max_pixels is None:
        max_pixels = _setting("UPLOAD_IMAGE_MAX_MEGAPIXELS", DEFAULT_MAX_MEGAPIXELS) * 1_000_000
    if max_pdf_pages is None:
        max_pdf_pages = _setting("UPLOAD_PDF_MAX_PAGES", DEFAULT_MAX_PDF_PAGES)
    data = read_limited(file, max_bytes)
    name = display_name(file)
    if "pdf" in accept and is_pdf(data):
        problem = pdf_problem(data, max_pages=max_pdf_pages)
        if problem is not None:
            raise FileRejected(_pdf_refusal(problem, name, accept, max_pdf_pages))
        return CheckedFile(data, "application/pdf", ".pdf", with_suffix(name, ".pdf"))
    if "image" in accept:
        try:
            reencoded = reencode_image(data, max_pixels=max_pixels)
        except ImageTooLarge:
            raise FileRejected(
                _(
                    "„%(name)s“ hat zu viele Bildpunkte (höchstens %(megapixels)s Megapixel). "
                    "Bitte verkleinern Sie das Foto.",
                    name=name,
                    megapixels=_megapixels(max_pixels),
                )
            ) from None
        if reencoded is not None:
            return CheckedFile(reencoded, "image/jpeg", ".jpg", with_suffix(name, ".jpg"))
    raise FileRejected(_refusal(name, accept))


def _megapixels(pixels: int) -> str:
    return format_decimal(round(pixels / 1_000_000, 1))
