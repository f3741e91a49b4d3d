"""The printed letter of the Bußgeldstelle, read back as the citizen's tools read it: the text as
a PDF reader extracts it (pypdfium2), and both QR codes decoded from the rendered page
(zxing-cpp) as a phone camera or a banking app would from the printed sheet."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from server.fines.letter_pdf import (
    LetterAddress,
    LetterContent,
    LetterError,
    render_letter,
    render_letters,
)
from server.fines.offences_data import OFFENCES
from server.payments.girocode import Beneficiary, epc_payload
from server.payments.references import format_kassenzeichen, format_rf, rf_reference
from server.pdf.text import amount
from tests.qr_codes import read_qr_codes

KASSENZEICHEN = "401234567899"
PORTAL_URL = "https://buergerportal.musterstadt.de/bussgeld/b/q3Jx-8XkLm0vPz7yQwErTyUiOpAsDfGhJkL2"
PAYLOAD = epc_payload(
    beneficiary=Beneficiary("Stadtkasse Münsterstadt", "DE89 3704 0044 0532 0130 00"),
    amount_cents=2500,
    rf_reference=rf_reference(KASSENZEICHEN),
)
DPI = 300
MM_PER_INCH = 25.4


def letter(kind: str = "warning", **changes: object) -> LetterContent:
    content = LetterContent(
        kind=kind,
        authority_name="Stadt Münsterstadt – Bußgeldstelle",
        authority_lines=(
            "Stadt Münsterstadt – Bußgeldstelle",
            "Rathausplatz 1",
            "12345 Münsterstadt",
            "Telefon 01234 5678-0",
        ),
        recipient=LetterAddress("Jürgen Müßig-Öztürk", "Lindenstraße 14", "12345 Münsterstadt"),
        letter_date=date(2026, 3, 10),
        aktenzeichen="BG-2026-000123",
        kassenzeichen=KASSENZEICHEN,
        offence_date=datetime(2026, 3, 3, 7, 15, tzinfo=UTC),  # 08:15 in Berlin
        place="Münsterstadt, Marktstraße 5",
        plate="MU-CS 482",
        offence_number="141312",
        offence_text="Sie parkten im absoluten Haltverbot (Zeichen 283).",
        legal_basis="§ 41 Abs. 1 iVm Anlage 2, § 49 StVO; § 24 Abs. 1, 3 Nr. 5 StVG; 52 BKat",
        amount_cents=2500,
        deadline=date(2026, 3, 17),
        portal_url=PORTAL_URL,
        portal_address="buergerportal.musterstadt.de/bussgeld",
        access_code="K7QM-2XR9-HT4V-PW8N",
        giro_payload=PAYLOAD,
        bank_lines=(
            "Empfänger: Stadtkasse Münsterstadt",
            "IBAN: DE89 3704 0044 0532 0130 00",
            f"Verwendungszweck: {format_rf(rf_reference(KASSENZEICHEN))}",
        ),
    )
    return replace(content, **changes)  # type: ignore[arg-type]


def page_texts(pdf: bytes) -> list[str]:
    document = pdfium.PdfDocument(pdf)
    return [page.get_textpage().get_text_bounded() for page in document]


def one_line(text: str) -> str:
    """The text with line breaks as spaces: a long sentence may wrap anywhere."""
    return re.sub(r"\s+", " ", text)


def barcodes_on_page(pdf: bytes, index: int = 0) -> list[zxingcpp.Barcode]:
    page = pdfium.PdfDocument(pdf)[index]
    image: Image.Image = page.render(scale=DPI / 72, grayscale=True).to_pil()
    return read_qr_codes(image)


def side_mm(code: zxingcpp.Barcode) -> float:
    """The width of the symbol (without quiet zone) on paper."""
    position = code.position
    return (position.top_right.x - position.top_left.x) / DPI * MM_PER_INCH


@pytest.mark.parametrize("kind", ["warning", "hearing"])
def test_the_letter_prints_every_fact_the_citizen_needs(kind: str) -> None:
    pdf = render_letter(letter(kind))

    texts = page_texts(pdf)
    text = one_line(texts[0])
    assert len(texts) == 1
    for expected in (
        "BG-2026-000123",
        format_kassenzeichen(KASSENZEICHEN),
        "25,00 €",
        "17.03.2026",
        "MU-CS 482",
        "141312",
        "Sie parkten im absoluten Haltverbot (Zeichen 283).",
        "K7QM-2XR9-HT4V-PW8N",
        "buergerportal.musterstadt.de/bussgeld",
        "Dienstag, 03.03.2026, 08:15 Uhr",
        "Münsterstadt, Marktstraße 5",
        "52 BKat",
        "DE89 3704 0044 0532 0130 00",
        "10.03.2026",
    ):
        assert expected in text


def test_umlauts_in_the_recipient_survive() -> None:
    text = page_texts(render_letter(letter()))[0]

    assert "Jürgen Müßig-Öztürk" in text
    assert "Lindenstraße 14" in text


def test_the_recipient_sits_in_the_window_of_the_envelope() -> None:
    page = pdfium.PdfDocument(render_letter(letter()))[0]
    textpage = page.get_textpage()
    found = textpage.search("Jürgen Müßig-Öztürk").get_next()
    assert found is not None
    first, count = found
    _, page_height = page.get_size()
    boxes = [textpage.get_charbox(first + offset) for offset in range(count)]

    def mm(points: float) -> float:
        return points / 72 * MM_PER_INCH

    # DIN 5008 form B: the address field spans 20-105 mm from the left, 45-90 mm from the top.
    assert mm(min(box[0] for box in boxes)) >= 20 - 0.1
    assert mm(max(box[2] for box in boxes)) <= 105
    assert mm(page_height - max(box[3] for box in boxes)) >= 45
    assert mm(page_height - min(box[1] for box in boxes)) <= 90


def test_warning_and_hearing_say_what_they_are() -> None:
    warning = one_line(page_texts(render_letter(letter("warning")))[0])
    hearing = one_line(page_texts(render_letter(letter("hearing")))[0])

    assert "Verwarnung mit Verwarnungsgeld – Aktenzeichen BG-2026-000123" in warning
    assert "§ 56 OWiG" in warning
    assert "Dann ist die Sache erledigt" in warning
    assert "Anhörung im Bußgeldverfahren – Aktenzeichen BG-2026-000123" in hearing
    assert "§ 55 OWiG" in hearing
    assert "Nennen Sie online die Person, die gefahren ist" in hearing
    for text in (warning, hearing):
        assert "erst gegen einen späteren Bußgeldbescheid möglich" in text
        assert "nicht per E-Mail" in text


@pytest.mark.parametrize("kind", ["warning", "hearing"])
def test_both_codes_read_back_from_the_printed_page(kind: str) -> None:
    codes = barcodes_on_page(render_letter(letter(kind)))

    assert len(codes) == 2
    by_text = {code.text: code for code in codes}
    assert set(by_text) == {PORTAL_URL, PAYLOAD}
    # Every line of the GiroCode, the beneficiary's umlaut included, as the banking app reads it.
    assert by_text[PAYLOAD].text.split("\n") == PAYLOAD.split("\n")
    assert by_text[PAYLOAD].ec_level == "M"
    assert by_text[PORTAL_URL].ec_level in {"M", "Q", "H"}
    for code in codes:
        assert side_mm(code) >= 25


def test_the_longest_offence_text_still_gives_readable_codes() -> None:
    longest = max(OFFENCES, key=lambda offence: len(offence.text))
    content = letter(
        "hearing",
        offence_number=longest.number,
        offence_text=longest.text,
        legal_basis=longest.legal_basis,
    )
    pdf = render_letter(content)

    assert {code.text for code in barcodes_on_page(pdf)} == {PORTAL_URL, PAYLOAD}
    assert longest.text in one_line(" ".join(page_texts(pdf)))


def test_bulk_printing_starts_every_letter_on_its_own_page() -> None:
    contents = [
        letter(aktenzeichen=f"BG-2026-00012{number}", plate=f"MU-CS 48{number}")
        for number in range(3)
    ]
    pdf = render_letters(contents)

    texts = [one_line(text) for text in page_texts(pdf)]
    assert len(texts) >= 3
    first_pages = []
    for content in contents:
        pages = [index for index, text in enumerate(texts) if content.subject in text]
        assert len(pages) == 1
        first_pages.append(pages[0])
    assert first_pages == sorted(set(first_pages))
    for index in first_pages:
        # Nothing of another letter on the page where a letter starts.
        others = [c for c in contents if c.aktenzeichen not in texts[index]]
        assert len(others) == len(contents) - 1


def test_the_document_is_a4_with_metadata_and_the_same_bytes_every_time() -> None:
    content = letter()
    pdf = render_letter(content)

    document = pdfium.PdfDocument(pdf)
    width, height = document[0].get_size()
    assert (round(width / 72 * MM_PER_INCH), round(height / 72 * MM_PER_INCH)) == (210, 297)
    metadata = document.get_metadata_dict()
    assert metadata["Title"] == content.subject
    assert metadata["Author"] == "Stadt Münsterstadt – Bußgeldstelle"
    assert metadata["CreationDate"].startswith("D:20260310")
    assert render_letter(content) == pdf


def test_the_codes_are_vector_graphics_not_images() -> None:
    pdf = render_letter(letter())

    # Rectangles in the page content, sharp at any printer resolution; no raster image at all.
    assert b"/Subtype /Image" not in pdf
    assert b"/XObject" not in pdf


def test_a_letter_needs_a_known_kind_and_integer_cents() -> None:
    with pytest.raises(LetterError, match="kind"):
        letter("reminder")
    with pytest.raises(LetterError, match="integer cents"):
        letter(amount_cents=25.0)
    with pytest.raises(LetterError, match="positive"):
        letter(amount_cents=0)
    with pytest.raises(LetterError, match="no letters"):
        render_letters([])


def test_amounts_are_printed_the_german_way() -> None:
    # Whatever language the reader browses in; no line break between the number and the sign.
    assert amount(2500) == "25,00\u00a0€"
    assert amount(5) == "0,05\u00a0€"
    assert amount(123456) == "1.234,56\u00a0€"


def test_the_offence_catalogue_has_unique_six_digit_numbers_and_positive_amounts() -> None:
    numbers = [offence.number for offence in OFFENCES]

    assert len(OFFENCES) >= 10
    assert len(set(numbers)) == len(numbers)
    for offence in OFFENCES:
        assert re.fullmatch(r"[0-9]{6}", offence.number)
        assert isinstance(offence.amount_cents, int)
        assert not isinstance(offence.amount_cents, bool)
        # Warning range of the Bußgeldkatalog: more than 55 € would need a Bußgeldbescheid.
        assert 0 < offence.amount_cents <= 5500
        assert offence.amount_cents % 500 == 0
        assert offence.text.startswith("Sie ")
        assert "<" not in offence.text
        assert offence.legal_basis.endswith("BKat")


def test_the_tatzeit_is_printed_in_the_citys_time_and_must_carry_its_zone() -> None:
    # 23:30 UTC on Saturday is 00:30 on Sunday in Berlin: the letter says Sunday.
    late = letter(offence_date=datetime(2026, 3, 28, 23, 30, tzinfo=UTC))
    assert "Tatzeit Sonntag, 29.03.2026, 00:30 Uhr" in one_line(page_texts(render_letter(late))[0])
    # A naive time might be UTC from the database or a wall-clock time: the letter refuses it.
    with pytest.raises(LetterError, match="timezone-aware"):
        letter(offence_date=datetime(2026, 3, 3, 8, 15))
