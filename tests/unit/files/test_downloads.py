"""Content-Disposition headers: latin-1, RFC 6266 fallback plus RFC 5987 filename*."""

from __future__ import annotations

import pytest
from werkzeug.http import parse_options_header

from server.downloads import ascii_fallback, content_disposition, download_name, extension_of

PDF = "application/pdf"


def parsed(value: str) -> tuple[str, dict[str, str]]:
    value.encode("latin-1")  # what gunicorn does with every header
    assert "\n" not in value
    assert "\r" not in value
    return parse_options_header(value)


def test_euro_sign_is_in_filename_star_and_spelled_out_in_the_fallback() -> None:
    value = content_disposition("Rechnung 50€.pdf", mimetype=PDF)
    assert value == (
        "attachment; filename=\"Rechnung 50EUR.pdf\"; filename*=UTF-8''Rechnung%2050%E2%82%AC.pdf"
    )
    assert parsed(value) == ("attachment", {"filename": "Rechnung 50€.pdf"})


def test_inline() -> None:
    assert parsed(content_disposition("a.pdf", mimetype=PDF, inline=True))[0] == "inline"


@pytest.mark.parametrize(
    "hostile",
    [
        'Rech"nung".pdf',
        "Rech\\nung.pdf",
        "Rech\nnung\r\n.pdf",
        "Rechnung\u202efdp.exe",
        "Rech\x00nung\x1b.pdf",
        "../../etc/Rechnung.pdf",
        "C:\\Users\\x\\Rechnung.pdf",
        "Rechnung%22.pdf",
    ],
)
def test_quotes_line_breaks_controls_and_paths_never_reach_the_header(hostile: str) -> None:
    value = content_disposition(hostile, mimetype=PDF)
    kind, options = parsed(value)
    assert kind == "attachment"
    fallback = value.split('filename="', 1)[1].split('"', 1)[0]
    assert all(" " <= char <= "~" for char in fallback)
    assert not set(fallback) & set('"\\%/')
    name = options["filename"]
    assert name.endswith(".pdf")
    assert "nung" in name  # a backslash separates a path (old browsers send C:\...\name)
    assert not set(name) & {"\n", "\r", "\x00", "\x1b", "\u202e", "/", "\\"}


def test_a_quote_is_percent_encoded_in_the_real_name_and_replaced_in_the_fallback() -> None:
    value = content_disposition('Rech"nung".pdf', mimetype=PDF)
    assert value == ("attachment; filename=\"Rech_nung_.pdf\"; filename*=UTF-8''Rech%22nung%22.pdf")
    assert parsed(value)[1]["filename"] == 'Rech"nung".pdf'


def test_right_to_left_override_cannot_disguise_the_extension() -> None:
    assert download_name("Rechnung\u202efdp.exe", PDF) == "Rechnungfdp.pdf"


@pytest.mark.parametrize(
    ("name", "mimetype", "expected"),
    [
        ("rechnung.html", PDF, "rechnung.pdf"),
        ("rechnung", PDF, "rechnung.pdf"),
        ("Foto.PNG", "image/jpeg", "Foto.jpg"),
        ("Rechnung 50€.pdf", "image/jpeg", "Rechnung 50€.jpg"),
        ("buchungen-2026-11-24.csv", "text/csv; charset=utf-8", "buchungen-2026-11-24.csv"),
        ("", PDF, "datei.pdf"),
        ("...", "image/jpeg", "datei.jpg"),
        ("Preis 12.5 Prozent", PDF, "Preis 12.5 Prozent.pdf"),
    ],
)
def test_the_stored_type_decides_the_extension(name: str, mimetype: str, expected: str) -> None:
    assert download_name(name, mimetype) == expected


def test_extensions_of_the_stored_types() -> None:
    assert extension_of("application/pdf") == ".pdf"
    assert extension_of("image/jpeg") == ".jpg"
    assert extension_of("application/xml") == ".xml"


def test_ascii_fallback_spells_german_out() -> None:
    assert ascii_fallback("Bußgeldbescheid Ärger Café €") == "Bussgeldbescheid Aerger Cafe EUR"
    assert ascii_fallback("日本.pdf") == "__.pdf"
