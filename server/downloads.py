"""The ``Content-Disposition`` of every download (RFC 6266 with RFC 5987's ``filename*``).

A header must be latin-1 (gunicorn encodes it so, and answers 500 otherwise): an uploaded
``Rechnung 50€.pdf`` put into ``filename="…"`` as it is broke the clerk's download. So the
header carries two names:

* ``filename="…"``: an ASCII fallback for old clients: German umlauts and ``ß`` spelled out,
  accents dropped, ``€`` as ``EUR``, anything else outside ASCII as ``_``; quotes, backslashes,
  ``%`` and control characters never appear in it;
* ``filename*=UTF-8''…``: the real name, percent-encoded, which every current browser uses.

The name's extension is always the one of the stored content type (a PDF is ``.pdf``, a JPEG
``.jpg``, whatever the uploader called the file), so ``rechnung.html`` served as a PDF is
saved as ``rechnung.pdf``. Path parts, control and format characters (a right-to-left override
``U+202E`` that makes ``exe.pdf`` look like ``fdp.exe``, line breaks) are removed from both.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from urllib.parse import quote

from werkzeug.wrappers import Response

FALLBACK_STEM = "datei"
MAX_STEM = 150

# The stored types the portal serves; other types take what ``mimetypes`` knows.
EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "text/csv": ".csv",
    "application/json": ".json",
    "application/xml": ".xml",
    "text/xml": ".xml",
}

ASCII_SPELLING = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ẞ": "SS"}
    | {"€": "EUR"}
)
# RFC 5987 attr-char besides letters and digits (``quote`` keeps ``_.-~`` itself).
ATTR_CHARS = "!#$&+^`|"
# A trailing ".xyz" that is an extension (not ``Rechnung 12.5 Prozent``'s dot in words).
EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,8}$")


def extension_of(mimetype: str) -> str:
    """The file extension of a content type (``.pdf``), ``""`` for an unknown one."""
    kind = mimetype.split(";", 1)[0].strip().lower()
    return EXTENSIONS.get(kind) or mimetypes.guess_extension(kind, strict=True) or ""


def _clean(name: str) -> str:
    """The name without path parts, control or format characters; NFC, trimmed."""
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(
        " " if char in "\t\r\n" else char
        for char in name
        if char in "\t\r\n" or not unicodedata.category(char).startswith("C")
    )
    return " ".join(name.split()).strip(" .")


def download_name(name: str, mimetype: str) -> str:
    """The name a download is saved under: cleaned, with the stored type's extension."""
    cleaned = _clean(name)
    extension = extension_of(mimetype)
    stem = EXTENSION.sub("", cleaned) if extension else cleaned
    stem = stem.strip(" .")[:MAX_STEM] or FALLBACK_STEM
    return stem + extension


def ascii_fallback(name: str) -> str:
    """``name`` in printable ASCII without ``"``, ``\\`` and ``%`` (RFC 6266's fallback)."""
    spelled = unicodedata.normalize("NFKD", name.translate(ASCII_SPELLING))
    out = []
    for char in spelled:
        if unicodedata.combining(char):
            continue
        if char in '"\\%' or not (" " <= char <= "~"):
            out.append("_")
        else:
            out.append(char)
    return "".join(out)


def content_disposition(filename: str, *, mimetype: str, inline: bool = False) -> str:
    """The header value: ``attachment; filename="…"; filename*=UTF-8''…`` (latin-1, no line
    breaks, whatever ``filename`` holds)."""
    name = download_name(filename, mimetype)
    kind = "inline" if inline else "attachment"
    encoded = quote(name, safe=ATTR_CHARS, encoding="utf-8")
    return f"{kind}; filename=\"{ascii_fallback(name)}\"; filename*=UTF-8''{encoded}"


def with_disposition(
    response: Response, filename: str, *, mimetype: str, inline: bool = False
) -> Response:
    """``response`` (e.g. from ``send_file``) saved or shown under ``filename``."""
    response.headers["Content-Disposition"] = content_disposition(
        filename, mimetype=mimetype, inline=inline
    )
    return response
