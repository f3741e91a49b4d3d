"""The receipt for a statement in the online hearing and the objection letter to print, read back
as a PDF reader extracts their text (pypdfium2)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pypdfium2 as pdfium
import pytest

from server.fines.letter_pdf import LetterError
from server.fines.objection_pdf import ObjectionLetter, render_objection
from server.fines.receipt_pdf import StatementReceipt, render_receipt

MM_PER_INCH = 25.4
POINTS_PER_MM = 72 / MM_PER_INCH
# The receipt's footer sits lower than 14 mm from the foot of the page, its body text higher.
BODY_BOTTOM_MM = 14
PERSON = ("Jürgen Müßig-Öztürk", "Lindenstraße 14", "12345 Münsterstadt", "geb. 01.02.1980")
DRIVER = ("Änne Weiß", "Bahnhofstraße 3", "12345 Münsterstadt", "geb. 03.04.1990")
AUTHORITY = ("Stadt Münsterstadt", "Bußgeldstelle", "Rathausplatz 1", "12345 Münsterstadt")


def receipt(kind: str = "contest", **changes: object) -> StatementReceipt:
    content = StatementReceipt(
        authority_name="Stadt Münsterstadt – Bußgeldstelle",
        authority_lines=(
            "Stadt Münsterstadt – Bußgeldstelle",
            "Rathausplatz 1",
            "12345 Münsterstadt",
            "Telefon 01234 5678-0",
        ),
        aktenzeichen="BG-2026-000123",
        # 13:05 UTC is 14:05 in Münsterstadt in March (CET).
        received_at=datetime(2026, 3, 17, 13, 5, tzinfo=UTC),
        kind=kind,
        statement_text="Ich habe nur kurz gehalten, um einer älteren Dame über die Straße zu "
        "helfen.",
        person_lines=PERSON,
        driver_lines=DRIVER if kind == "nominate" else (),
        attachments=("foto1.jpg (1,2 MB)", "Skizze Kreuzung.pdf (340 KB)"),
        late=False,
        reference="EB-BG-2026-000012-1",
    )
    return replace(content, **changes)  # type: ignore[arg-type]


def objection(**changes: object) -> ObjectionLetter:
    letter = ObjectionLetter(
        sender_lines=PERSON[:3],
        authority_lines=AUTHORITY,
        aktenzeichen="BG-2026-000123",
    )
    return replace(letter, **changes)  # type: ignore[arg-type]


def page_texts(pdf: bytes) -> list[str]:
    document = pdfium.PdfDocument(pdf)
    return [page.get_textpage().get_text_bounded() for page in document]


def body_texts(pdf: bytes) -> list[str]:
    """The text of every page without its footer."""
    document = pdfium.PdfDocument(pdf)
    return [
        page.get_textpage().get_text_bounded(bottom=BODY_BOTTOM_MM * POINTS_PER_MM)
        for page in document
    ]


def one_line(text: str) -> str:
    """The text with line breaks as spaces: a long sentence may wrap anywhere."""
    return re.sub(r"\s+", " ", text)


def receipt_text(content: StatementReceipt) -> str:
    return one_line(" ".join(body_texts(render_receipt(content))))


def position_mm(pdf: bytes, text: str) -> tuple[float, float, float, float]:
    """Left, right, top and bottom of ``text`` on the first page, in mm from the top left."""
    page = pdfium.PdfDocument(pdf)[0]
    textpage = page.get_textpage()
    found = textpage.search(text).get_next()
    assert found is not None, text
    first, count = found
    _, page_height = page.get_size()
    boxes = [textpage.get_charbox(first + offset) for offset in range(count)]
    return (
        min(box[0] for box in boxes) / POINTS_PER_MM,
        max(box[2] for box in boxes) / POINTS_PER_MM,
        (page_height - max(box[3] for box in boxes)) / POINTS_PER_MM,
        (page_height - min(box[1] for box in boxes)) / POINTS_PER_MM,
    )


# The receipt


def test_the_receipt_confirms_what_was_received_and_when() -> None:
    content = receipt()
    text = receipt_text(content)

    for expected in (
        "Eingangsbestätigung",
        "Stadt Münsterstadt – Bußgeldstelle",
        "BG-2026-000123",
        "EB-BG-2026-000012-1",
        "Ihre Äußerung ist am 17.03.2026 um 14:05 Uhr eingegangen.",
        "Sie bestreiten den Verstoß.",
        content.statement_text,
        *PERSON,
        "foto1.jpg (1,2 MB)",
        "Skizze Kreuzung.pdf (340 KB)",
        "Die Bußgeldstelle prüft Ihre Äußerung.",
        "werden Sie informiert",
        "Ein Einspruch ist erst gegen einen späteren Bußgeldbescheid möglich",
    ):
        assert expected in text
    assert "nach Ablauf der Frist" not in text
    assert "Fahrerin oder zum Fahrer" not in text


@pytest.mark.parametrize(
    ("kind", "wording"),
    [
        ("admit", "Sie räumen den Verstoß ein."),
        ("contest", "Sie bestreiten den Verstoß."),
        ("nominate", "Sie haben eine andere Person als Fahrerin oder Fahrer benannt."),
    ],
)
def test_the_receipt_says_in_plain_german_what_was_stated(kind: str, wording: str) -> None:
    text = receipt_text(receipt(kind))

    assert wording in text
    others = {"admit": "räumen", "contest": "bestreiten", "nominate": "benannt"}
    for other, word in others.items():
        if other != kind:
            assert word not in text


def test_a_nomination_lists_the_named_driver() -> None:
    text = receipt_text(receipt("nominate"))

    assert "Angaben zur Fahrerin oder zum Fahrer" in text
    assert " ".join(DRIVER) in text
    assert " ".join(PERSON) in text


@pytest.mark.parametrize(
    ("received_at", "expected"),
    [
        # Summer time: UTC+2.
        (datetime(2026, 7, 1, 10, 0, tzinfo=UTC), "am 01.07.2026 um 12:00 Uhr"),
        # Just before midnight in UTC is the next day in Münsterstadt.
        (datetime(2026, 3, 17, 23, 30, tzinfo=UTC), "am 18.03.2026 um 00:30 Uhr"),
        (datetime(2026, 3, 17, 8, 5, tzinfo=timezone(timedelta(hours=-5))), "um 14:05 Uhr"),
    ],
)
def test_the_time_is_printed_as_it_was_in_the_city(received_at: datetime, expected: str) -> None:
    assert expected in receipt_text(receipt(received_at=received_at))


def test_a_late_statement_is_marked_neutrally() -> None:
    text = receipt_text(receipt(late=True))

    assert (
        "nach Ablauf der Frist eingegangen; die Bußgeldstelle berücksichtigt die Äußerung trotzdem"
    ) in text


def test_without_attachments_or_text_the_receipt_says_so() -> None:
    text = receipt_text(receipt("admit", attachments=(), statement_text="  "))

    assert "Keine Dateien." in text
    assert "Sie haben keinen Text eingegeben." in text


def test_a_long_statement_is_printed_whole_over_two_pages() -> None:
    # Paragraphs of one sentence each, as people write when they list what happened.
    paragraphs = (
        f"Satz {number}: Der Wagen stand außerhalb der Markierung, die Schilder waren verdeckt."
        for number in range(1, 100)
    )
    statement = "\n\n".join(paragraphs)[:2999] + "."
    assert len(statement) == 3000
    pdf = render_receipt(receipt(statement_text=statement))

    pages = page_texts(pdf)
    bodies = body_texts(pdf)
    assert len(pages) == 2
    for number, page in enumerate(pages, start=1):
        footer = f"Aktenzeichen BG-2026-000123 · Seite {number} von 2"
        assert one_line(page).rstrip().endswith(footer)
    # Begins on the first page, ends on the second, and nothing is lost at the page break.
    assert "Satz 1: Der Wagen" in bodies[0]
    assert one_line(statement[-40:]) in one_line(bodies[1])
    assert one_line(statement) in one_line(" ".join(bodies))


def test_the_statement_is_printed_as_typed() -> None:
    statement = (
        "Erste Zeile mit **Sternen** und -- Strichen.\r\n"
        "Zweite Zeile: {nb} ist kein Platzhalter.\n\n"
        # A "ü" typed as "u" and a combining diaeresis, as some phones send it.
        "Dritter Absatz: Mu\u0308ller\tund Chinesisch 中文."
    )
    text = receipt_text(receipt(statement_text=statement))

    assert "Erste Zeile mit **Sternen** und -- Strichen." in text
    assert "Zweite Zeile: {nb} ist kein Platzhalter." in text
    assert "Müller" in text
    # Characters the font cannot draw are shown as such, not silently dropped.
    assert "Chinesisch \ufffd\ufffd." in text


def test_a_receipt_needs_a_known_kind_an_aware_time_and_driver_only_for_a_nomination() -> None:
    with pytest.raises(LetterError, match="kind"):
        receipt("pay")
    with pytest.raises(LetterError, match="timezone-aware"):
        receipt(received_at=datetime(2026, 3, 17, 13, 5))
    with pytest.raises(LetterError, match="driver's details"):
        receipt("nominate", driver_lines=())
    with pytest.raises(LetterError, match="nomination"):
        receipt("contest", driver_lines=DRIVER)


def test_the_receipt_is_a4_with_metadata_and_the_same_bytes_every_time() -> None:
    content = receipt()
    pdf = render_receipt(content)

    document = pdfium.PdfDocument(pdf)
    width, height = document[0].get_size()
    assert (round(width / POINTS_PER_MM), round(height / POINTS_PER_MM)) == (210, 297)
    metadata = document.get_metadata_dict()
    assert metadata["Title"] == "Eingangsbestätigung – Aktenzeichen BG-2026-000123"
    assert metadata["Author"] == "Stadt Münsterstadt – Bußgeldstelle"
    assert metadata["CreationDate"].startswith("D:20260317130500")
    assert render_receipt(content) == pdf
    assert render_receipt(receipt(late=True)) != pdf


# The objection letter


def test_the_objection_letter_has_subject_text_and_signature_lines() -> None:
    pdf = render_objection(objection())

    texts = page_texts(pdf)
    assert len(texts) == 1
    text = one_line(texts[0])
    for expected in (
        "Einspruch gegen den Bußgeldbescheid – Aktenzeichen BG-2026-000123",
        "lege ich gegen den Bußgeldbescheid vom ______________ (Aktenzeichen BG-2026-000123) "
        "Einspruch ein.",
        "Begründung (freiwillig):",
        "Ort, Datum:",
        "Unterschrift:",
        *PERSON[:3],
    ):
        assert expected in text


def test_the_objection_letter_warns_that_it_must_be_signed_and_posted_in_time() -> None:
    text = one_line(page_texts(render_objection(objection()))[0])

    assert (
        "Wichtig: Der Einspruch muss innerhalb von zwei Wochen nach Zustellung des "
        "Bußgeldbescheids schriftlich und unterschrieben bei der Bußgeldstelle eingehen "
        "(§ 67 OWiG). Eine E-Mail oder eine Nachricht über das Bürgerportal genügt nicht."
    ) in text


def test_the_bussgeldstelle_sits_in_the_window_of_the_envelope() -> None:
    # A sender from elsewhere: the search finds the first place a text occurs on the page.
    sender = ("Jürgen Müßig-Öztürk", "Lindenstraße 14", "54321 Anderstadt")
    pdf = render_objection(objection(sender_lines=sender))

    # DIN 5008 form B: the address field spans 20-105 mm from the left, 45-90 mm from the top;
    # the recipient below the 17.7 mm zone for the return address.
    for line in AUTHORITY:
        left, right, top, bottom = position_mm(pdf, line)
        assert left >= 20 - 0.1
        assert right <= 105
        assert top >= 45 + 17.7
        assert bottom <= 90
    left, right, top, bottom = position_mm(pdf, "Jürgen Müßig-Öztürk · Lindenstraße 14")
    assert left >= 20 - 0.1
    assert right <= 105
    assert top >= 45
    assert bottom <= 45 + 17.7


def test_without_a_sender_the_letter_leaves_lines_to_fill_in() -> None:
    text = one_line(page_texts(render_objection(objection(sender_lines=())))[0])

    assert "Absender (bitte ausfüllen)" in text
    for caption in ("Vor- und Nachname", "Straße und Hausnummer", "Postleitzahl und Ort"):
        assert caption in text
    assert "Müßig" not in text
    assert "Unterschrift:" in text


def test_without_an_aktenzeichen_the_letter_leaves_a_blank_for_it() -> None:
    text = one_line(page_texts(render_objection(objection(aktenzeichen="")))[0])

    blank = "_" * 18
    assert f"Einspruch gegen den Bußgeldbescheid – Aktenzeichen {blank}" in text
    assert f"(Aktenzeichen {blank}) Einspruch ein." in text


def test_place_and_date_can_be_left_out() -> None:
    text = one_line(page_texts(render_objection(objection(place_and_date_blank=False)))[0])

    assert "Ort, Datum" not in text
    assert "Unterschrift:" in text


def test_the_objection_letter_is_the_same_every_time_and_checks_its_input() -> None:
    letter = objection()
    pdf = render_objection(letter)

    metadata = pdfium.PdfDocument(pdf).get_metadata_dict()
    assert metadata["Title"] == letter.subject
    assert render_objection(letter) == pdf
    assert render_objection(objection(aktenzeichen="BG-2026-000124")) != pdf
    with pytest.raises(LetterError, match="1 to 6 lines"):
        objection(authority_lines=())
    with pytest.raises(LetterError, match="1 to 6 lines"):
        objection(authority_lines=(*AUTHORITY, "Zimmer 3", "Postfach 12", "Eingang B"))
