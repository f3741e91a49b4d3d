"""What an uploaded file really is, decided by its content and never by its name or the type
the browser claims. Pictures are re-encoded (no metadata, no hidden payload, bounded size);
PDFs are kept as sent once they look like a whole PDF."""

from __future__ import annotations

import io
import warnings
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from werkzeug.datastructures import FileStorage

MAX_IMAGE_SIDE = 3000  # pixels; phone photos are larger than any evidence needs
MAX_IMAGE_PIXELS = 60_000_000  # refuse decompression bombs
KINDS = ("image", "pdf")


class FileRejected(ValueError):
    """A file the portal does not accept; the message is for the citizen (translated)."""


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    suffix: str
    name: str  # the citizen's file name, shortened, with the suffix of what it now is


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


def display_name(file: FileStorage) -> str:
    return Path(file.filename or "datei").name[:200]


def is_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]


def reencode_image(data: bytes) -> bytes | None:
    """A clean JPEG of the picture, or None if it is none (or too big to decode safely)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    return None
                picture = ImageOps.exif_transpose(image).convert("RGB")
        except (
            UnidentifiedImageError,
            OSError,
            SyntaxError,
            ValueError,
            Image.DecompressionBombWarning,
            Image.DecompressionBombError,
        ):
            return None
    picture.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def _refusal(name: str, accept: Collection[str]) -> str:
    if set(accept) == {"image"}:
        return _("„%(name)s“ ist kein Foto (JPEG, PNG, WebP).", name=name)
    if set(accept) == {"pdf"}:
        return _("„%(name)s“ ist kein PDF-Dokument.", name=name)
    return _("„%(name)s“ ist kein Foto (JPEG, PNG, WebP) und kein PDF.", name=name)


def check_file(
    file: FileStorage, *, max_bytes: int, accept: Collection[str] = KINDS
) -> CheckedFile:
    """Read and check one upload; raises ``FileRejected`` with the citizen's message."""
    unknown = set(accept) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown kinds of content: {sorted(unknown)}")
    data = read_limited(file, max_bytes)
    name = display_name(file)
    if "pdf" in accept and is_pdf(data):
        return CheckedFile(data, "application/pdf", ".pdf", name)
    if "image" in accept:
        reencoded = reencode_image(data)
        if reencoded is not None:
            return CheckedFile(reencoded, "image/jpeg", ".jpg", str(Path(name).with_suffix(".jpg")))
    raise FileRejected(_refusal(name, accept))
