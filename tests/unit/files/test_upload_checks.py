"""Upload checks (server.files.checks) with real files built here: picture bombs are refused from
their header, PDFs are read with pypdf and refused when they are not plain documents, and file
names are cleaned of paths, control and direction characters."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from functools import partial

import pytest
from flask import Flask
from PIL import Image, ImageFile
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)
from werkzeug.datastructures import FileStorage

from server import create_app
from server.files import checks
from server.files.checks import FileRejected, check_file, display_name

MB = 1024 * 1024
PLAIN_PDF = "als einfaches PDF (zum Beispiel über „Drucken“ und „Als PDF speichern“)."  # the advice


def upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name)


def picture(width: int, height: int, *, mode: str = "RGB", kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height)).save(out, format=kind)
    return out.getvalue()


def pdf(build: Callable[[PdfWriter], object] | None = None, *, pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(200, 200)
    if build is not None:
        build(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def refusal(data: bytes, name: str, **limits: object) -> str:
    with pytest.raises(FileRejected) as refused:
        check_file(upload(data, name), max_bytes=10 * MB, **limits)  # type: ignore[arg-type]
    return str(refused.value)


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """The sizes of the pictures whose pixels were decoded (clear it after making the files)."""
    calls: list[tuple[int, int]] = []
    # The checks set Pillow's limit from the setting; other tests get it back as it was.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", Image.MAX_IMAGE_PIXELS)
    for owner in (Image.Image, ImageFile.ImageFile):
        original = owner.load

        def spy(self, _original=original):
            calls.append(self.size)
            return _original(self)

        monkeypatch.setattr(owner, "load", spy)
    return calls


# --- pictures ----------------------------------------------------------------------------


def test_a_picture_bomb_is_refused_from_its_header_and_phone_photos_still_pass(
    app_context: Flask, decodes: list[tuple[int, int]]
) -> None:
    bomb = picture(7700, 7700, mode="1")  # 59 megapixels in a few KB
    assert len(bomb) < 10_000
    decodes.clear()
    started = time.perf_counter()
    message = refusal(bomb, "bombe.png")
    assert time.perf_counter() - started < 0.5
    assert message == (
        "„bombe.png“ hat zu viele Bildpunkte (höchstens 50 Megapixel). "
        "Bitte verkleinern Sie das Foto."
    )
    assert decodes == []  # not a pixel decoded
    assert Image.MAX_IMAGE_PIXELS == 50_000_000  # Pillow's own guard says the same

    # A 48 MP photo of a new phone is accepted, scaled down to what is kept.
    photo = check_file(
        upload(picture(8000, 6000, mode="L", kind="JPEG"), "IMG_2041.jpeg"), max_bytes=10 * MB
    )
    assert photo.content_type == "image/jpeg"
    assert photo.name == "IMG_2041.jpg"
    assert max(Image.open(io.BytesIO(photo.content)).size) == 3000


def test_the_pixel_limit_is_the_setting(decodes: list[tuple[int, int]]) -> None:
    app = create_app(
        {"PORTAL_ENV": "testing", "DATABASE_URL": "sqlite://", "UPLOAD_IMAGE_MAX_MEGAPIXELS": 2}
    )
    with app.test_request_context("/"):
        too_large = picture(1500, 1500)
        decodes.clear()
        message = refusal(too_large, "scan.png")
        assert "(höchstens 2 Megapixel)" in message
        assert decodes == []
        assert Image.MAX_IMAGE_PIXELS == 2_000_000
        accepted = check_file(upload(picture(1400, 1400), "scan.png"), max_bytes=10 * MB)
        assert accepted.name == "scan.jpg"


def test_only_the_picture_formats_named_are_decoded(app_context: Flask) -> None:
    # Pillow reads dozens of formats; the portal promises (and opens) JPEG, PNG and WebP only.
    assert refusal(picture(40, 30, kind="GIF"), "bild.gif", accept=("image",)) == (
        "„bild.gif“ ist kein Foto (JPEG, PNG, WebP)."
    )
    assert refusal(picture(40, 30, kind="TIFF"), "bild.tif", accept=("image",)) == (
        "„bild.tif“ ist kein Foto (JPEG, PNG, WebP)."
    )


# --- PDFs --------------------------------------------------------------------------------


def test_html_with_a_pdf_header_is_no_pdf_and_a_real_pdf_gets_its_suffix(
    app_context: Flask,
) -> None:
    fake = b"%PDF-1.7\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n"
    assert refusal(fake, "evil.html") == "„evil.html“ ist kein Foto (JPEG, PNG, WebP) und kein PDF."
    assert refusal(fake, "evil.html", accept=("pdf",)) == "„evil.html“ ist kein PDF-Dokument."

    accepted = check_file(upload(pdf(), "evil.html"), max_bytes=10 * MB)
    assert accepted.content_type == "application/pdf"
    assert accepted.suffix == ".pdf"
    assert accepted.name == "evil.pdf"


def _open_action_javascript(writer: PdfWriter) -> None:
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("1")}
    )


def _page_action_javascript(writer: PdfWriter) -> None:
    writer.pages[0][NameObject("/AA")] = DictionaryObject(
        {NameObject("/O"): JavaScript("app.launchURL('https://example.org')")}
    )


def _link_with_javascript(writer: PdfWriter) -> None:
    writer.add_annotation(
        0,
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/Rect"): ArrayObject([FloatObject(n) for n in (0, 0, 50, 50)]),
                NameObject("/A"): JavaScript("this.submitForm('https://example.org')"),
            }
        ),
    )


def _launch_action(writer: PdfWriter) -> None:
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")}
    )


@pytest.mark.parametrize(
    "build",
    [
        lambda writer: writer.add_open_action(JavaScript("app.alert('Hallo');")),
        _open_action_javascript,
        _page_action_javascript,
        _link_with_javascript,
        _launch_action,
    ],
    ids=["names-tree", "open-action", "page-action", "link", "launch"],
)
def test_a_pdf_with_javascript_is_refused(
    app_context: Flask, build: Callable[[PdfWriter], object]
) -> None:
    assert refusal(pdf(build), "erklaerung.pdf") == (
        "„erklaerung.pdf“ enthält JavaScript oder andere ausführbare Inhalte. Bitte speichern "
        f"Sie es {PLAIN_PDF}"
    )


def _attachment_annotation(writer: PdfWriter) -> None:
    writer.add_annotation(
        0,
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/FileAttachment"),
                NameObject("/Rect"): ArrayObject([FloatObject(n) for n in (0, 0, 20, 20)]),
                NameObject("/FS"): TextStringObject("rechnung.exe"),
            }
        ),
    )


@pytest.mark.parametrize(
    "build",
    [lambda writer: writer.add_attachment("rechnung.exe", b"MZ\x90\x00"), _attachment_annotation],
    ids=["embedded-files", "attachment-annotation"],
)
def test_a_pdf_with_embedded_files_is_refused(
    app_context: Flask, build: Callable[[PdfWriter], object]
) -> None:
    assert refusal(pdf(build), "scan.pdf") == (
        f"„scan.pdf“ enthält eingebettete Dateien. Bitte speichern Sie es {PLAIN_PDF}"
    )


def test_an_encrypted_pdf_is_refused(app_context: Flask) -> None:
    for password in ("geheim", ""):  # also "encrypted" with an empty password
        assert refusal(pdf(partial(PdfWriter.encrypt, user_password=password)), "bescheid.pdf") == (
            "„bescheid.pdf“ ist verschlüsselt oder mit einem Kennwort geschützt. Bitte speichern "
            "Sie das PDF ohne Schutz."
        )


def test_pdf_pages_are_limited_and_broken_pdfs_refused(app_context: Flask) -> None:
    assert refusal(pdf(pages=4), "akte.pdf", max_pdf_pages=3) == (
        "„akte.pdf“ hat mehr als 3 Seiten. Bitte senden Sie nur die nötigen Seiten."
    )
    assert check_file(upload(pdf(pages=3), "akte.pdf"), max_bytes=MB, max_pdf_pages=3)
    whole = pdf()
    broken = whole[:120] + b"\x00" * 64 + b"\n%%EOF\n"  # the header and the end, nothing between
    assert refusal(broken, "kaputt.pdf", accept=("pdf",)) == "„kaputt.pdf“ ist kein PDF-Dokument."


def test_the_page_limit_is_the_setting() -> None:
    app = create_app(
        {"PORTAL_ENV": "testing", "DATABASE_URL": "sqlite://", "UPLOAD_PDF_MAX_PAGES": 2}
    )
    with app.test_request_context("/"):
        assert "mehr als 2 Seiten" in refusal(pdf(pages=3), "akte.pdf")


# --- names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("C:\\fakepath\\bescheid.pdf", "bescheid.pdf"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("../../.bashrc", "bashrc"),
        ("rechnung\u202efdp.exe", "rechnungfdp.exe"),  # shown as "rechnungexe.pdf" before
        (
            "".join(f"a{c}" for c in "\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069") + ".pdf",
            "aaaaaaaa.pdf",
        ),
        ("\u200eFoto\u200f\u061c.jpg", "Foto.jpg"),
        ("Nul\x00l\x7f\x1bfoto.png", "Nul l foto.png"),
        ("Cafe\u0301.pdf", "Caf\u00e9.pdf"),  # NFC
        ("  viel \t\n  Platz\u00a0\u2003da.pdf  ", "viel Platz da.pdf"),
        ("\u200b\u200b", "datei"),
        ("...", "datei"),
        ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
        ("ordner/" + "ä" * 400, "ä" * 120),
    ],
)
def test_file_names_are_cleaned(sent: str, shown: str) -> None:
    assert display_name(FileStorage(io.BytesIO(b""), filename=sent)) == shown


def test_the_stored_name_is_clean_and_carries_the_new_suffix(app_context: Flask) -> None:
    photo = check_file(upload(picture(40, 30), "C:\\Users\\x\\urlaub\u202egnp.exe"), max_bytes=MB)
    assert photo.name == "urlaubgnp.jpg"
    long = check_file(upload(pdf(), "b" * 300 + ".html"), max_bytes=MB)
    assert long.name == "b" * 115 + ".pdf"  # bounded with ".html", then given ".pdf"
    # A refusal names the file as cleaned, too.
    assert refusal(b"MZ\x90\x00", "..\\\u202eevil.exe") == (
        "„evil.exe“ ist kein Foto (JPEG, PNG, WebP) und kein PDF."
    )


def test_a_pdf_too_complex_to_look_through_is_refused(
    app_context: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The walk for active content is bounded; beyond the bound the file is not accepted.
    monkeypatch.setattr(checks, "MAX_PDF_OBJECTS", 3)
    assert refusal(pdf(pages=3), "dick.pdf", accept=("pdf",)) == "„dick.pdf“ ist kein PDF-Dokument."
