"""GiroCode (EPC QR code): the payload line by line, refusals, and the codes as a scanner reads
them (the code rendered to pixels and decoded by zxing-cpp; the SVG in Chromium is tested under
tests/browser)."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import segno
import zxingcpp
from PIL import Image

from server.payments.girocode import (
    Beneficiary,
    GiroCodeError,
    epc_payload,
    girocode_qr,
    girocode_svg,
)
from tests.qr_codes import read_qr_codes

STADTKASSE = Beneficiary(
    name="Stadtkasse Müllheim", iban="DE89 3704 0044 0532 0130 00", bic="COBADEFFXXX"
)
RF = "RF40401234567899"  # rf_reference of Kassenzeichen 40 1234 5678 99


def payload(**overrides: object) -> str:
    arguments: dict[str, object] = {
        "beneficiary": STADTKASSE,
        "amount_cents": 3550,
        "rf_reference": RF,
    }
    arguments.update(overrides)
    return epc_payload(**arguments)  # type: ignore[arg-type]


def decode(png: bytes) -> list[zxingcpp.Barcode]:
    return read_qr_codes(Image.open(io.BytesIO(png)))


# --- the payload --------------------------------------------------------------------------


def test_payload_lines_of_a_notice_with_rf_reference() -> None:
    assert payload(purpose="GOVT").split("\n") == [
        "BCD",  # service tag
        "002",  # version
        "1",  # character set: UTF-8
        "SCT",  # SEPA credit transfer
        "COBADEFFXXX",
        "Stadtkasse Müllheim",
        "DE89370400440532013000",  # compact, without the spaces
        "EUR35.50",
        "GOVT",
        "RF40401234567899",
    ]


def test_payload_without_bic_and_purpose_keeps_their_empty_lines() -> None:
    beneficiary = Beneficiary(name="Stadtkasse Müllheim", iban="DE89370400440532013000")
    assert payload(beneficiary=beneficiary) == (
        "BCD\n002\n1\nSCT\n\nStadtkasse Müllheim\nDE89370400440532013000\nEUR35.50\n\n"
        "RF40401234567899"
    )


def test_payload_with_text_leaves_the_reference_line_empty() -> None:
    text = "Kassenzeichen 40 1234 5678 99, Parkverstoß Hauptstraße"
    lines = payload(rf_reference=None, text=text).split("\n")
    assert lines[8:] == ["", "", text]
    assert len(lines) == 11


@pytest.mark.parametrize(
    ("options", "last_line", "count"),
    [
        ({"rf_reference": None}, "EUR35.50", 8),
        ({"rf_reference": None, "purpose": "GOVT"}, "GOVT", 9),
        ({}, RF, 10),
        ({"rf_reference": None, "text": "Gebühr"}, "Gebühr", 11),
    ],
)
def test_payload_ends_with_the_last_populated_line_and_no_line_feed(
    options: dict[str, object], last_line: str, count: int
) -> None:
    text = payload(**options)
    assert not text.endswith("\n")
    assert text.split("\n")[-1] == last_line
    assert len(text.split("\n")) == count


@pytest.mark.parametrize(
    ("cents", "line"),
    [
        (1, "EUR0.01"),
        (10, "EUR0.10"),
        (100, "EUR1.00"),
        (1250, "EUR12.50"),
        (3500, "EUR35.00"),
        (99_999_999_999, "EUR999999999.99"),
    ],
)
def test_amount_has_exactly_two_decimals(cents: int, line: str) -> None:
    assert payload(amount_cents=cents).split("\n")[7] == line


def test_bic_is_normalised_and_checked_by_schwifty() -> None:
    beneficiary = Beneficiary(name="Stadtkasse", iban="DE89370400440532013000", bic="COBADEFF")
    assert payload(beneficiary=beneficiary).split("\n")[4] == "COBADEFF"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"beneficiary": Beneficiary("Stadtkasse", "DE88 3704 0044 0532 0130 00")},
            "IBAN 'DE88 3704 0044 0532 0130 00' is invalid: Invalid checksum digits",
        ),
        ({"beneficiary": Beneficiary("Stadtkasse", "DE89 3704 0044")}, "IBAN .* is invalid"),
        ({"beneficiary": Beneficiary("Stadtkasse", "")}, "IBAN .* is invalid"),
        (
            {"beneficiary": Beneficiary("Stadtkasse", "BR1800360305000010009795493C1")},
            "outside the SEPA area",
        ),
        (
            {"beneficiary": Beneficiary("Stadtkasse", "DE89370400440532013000", "COBADEF")},
            "BIC 'COBADEF' is invalid",
        ),
        (
            {"beneficiary": Beneficiary("S" * 71, "DE89370400440532013000")},
            "name has 71 characters, at most 70",
        ),
        ({"beneficiary": Beneficiary(" ", "DE89370400440532013000")}, "name is empty"),
        (
            {"beneficiary": Beneficiary("Stadt\nkasse", "DE89370400440532013000")},
            "name must not contain line breaks",
        ),
        ({"amount_cents": 0}, "between 0.01 and 999999999.99 EUR, not 0 cents"),
        ({"amount_cents": -500}, "between 0.01 and 999999999.99 EUR, not -500 cents"),
        ({"amount_cents": 100_000_000_000}, "between 0.01 and 999999999.99 EUR"),
        ({"amount_cents": 12.5}, "amount must be integer cents, not 12.5"),
        ({"amount_cents": True}, "amount must be integer cents"),
        ({"text": "Gebühr"}, "either an RF reference or a remittance text, not both"),
        ({"rf_reference": "RF41401234567899"}, "not a valid RF creditor reference"),
        ({"rf_reference": "RF40 4012 3456 7899"}, "electronic form"),
        ({"rf_reference": "RF40-4012-3456-7899"}, "electronic form"),
        ({"rf_reference": "rf40401234567899"}, "electronic form"),
        ({"rf_reference": "401234567899"}, "not a valid RF creditor reference"),
        ({"rf_reference": None, "text": "x" * 141}, "141 characters, at most 140"),
        ({"rf_reference": None, "text": "  "}, "remittance text is empty"),
        ({"rf_reference": None, "text": "Zeile 1\nZeile 2"}, "must not contain line breaks"),
        ({"purpose": "govt"}, "four capital letters"),
        ({"purpose": "GOV"}, "four capital letters"),
        (
            {
                "rf_reference": None,
                "text": "€" * 100,  # 100 characters, 300 bytes
            },
            r"payload has 3\d\d bytes in UTF-8, at most 331",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    options: dict[str, object], message: str
) -> None:
    with pytest.raises(GiroCodeError, match=message):
        payload(**options)


def test_girocode_error_is_a_value_error() -> None:
    assert issubclass(GiroCodeError, ValueError)


def _payload_of_size(size: int) -> str:
    # Text of 140 characters, some of them two bytes long in UTF-8, to reach an exact size.
    base = payload(rf_reference=None, text="x" * 140)
    extra = size - len(base.encode("utf-8"))
    assert 0 <= extra <= 140
    return payload(rf_reference=None, text="ä" * extra + "x" * (140 - extra))


def test_payload_of_331_bytes_is_the_limit() -> None:
    largest = _payload_of_size(331)
    assert len(largest.encode("utf-8")) == 331
    assert girocode_qr(largest).version == 13  # the largest version EPC allows
    with pytest.raises(GiroCodeError, match="332 bytes"):
        _payload_of_size(332)


# --- the QR code --------------------------------------------------------------------------


def test_qr_code_is_byte_mode_level_m() -> None:
    code = girocode_qr(payload())
    assert code.error == "M"
    assert code.mode == "byte"
    assert not code.is_micro
    assert isinstance(code.version, int)
    assert code.version <= 13


@pytest.mark.parametrize("not_epc", ["hello", "BCD\n001\n1\nSCT\n\nA\nDE89", "BCD\n002\n1\nSCT"])
def test_qr_code_refuses_what_is_not_an_epc_payload(not_epc: str) -> None:
    with pytest.raises(GiroCodeError, match="not an EPC QR payload"):
        girocode_qr(not_epc)


EXAMPLES = {
    "rf reference": payload(purpose="GOVT"),
    "umlauts and euro in text": payload(
        rf_reference=None, text="Parkverstoß Müllheim, Kassenzeichen 40 1234 5678 99 – 35,50 €"
    ),
    "no bic, no remittance": payload(
        beneficiary=Beneficiary("Stadtkasse Müllheim", "DE89370400440532013000"),
        rf_reference=None,
    ),
    "331 bytes": _payload_of_size(331),
}


@pytest.mark.parametrize("text", EXAMPLES.values(), ids=EXAMPLES.keys())
def test_code_decodes_to_exactly_the_payload(text: str) -> None:
    buffer = io.BytesIO()
    girocode_qr(text).save(buffer, kind="png", scale=4, border=4)
    barcodes = decode(buffer.getvalue())
    assert len(barcodes) == 1
    barcode = barcodes[0]
    assert barcode.valid
    assert barcode.ec_level == "M"
    assert barcode.bytes == text.encode("utf-8")  # raw bytes: UTF-8 as line 3 promises
    assert barcode.text.split("\n") == text.split("\n")  # every line, umlauts intact


# --- the SVG ------------------------------------------------------------------------------


def test_svg_is_an_accessible_scalable_inline_element() -> None:
    text = EXAMPLES["rf reference"]
    svg = girocode_svg(text, title="GiroCode für 35,50 € an <Stadtkasse> & Co")
    assert svg.startswith("<svg ")
    assert "<?xml" not in svg
    root = ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input
    assert root.get("role") == "img"
    assert root.get("width") is None
    assert root.get("height") is None
    modules = girocode_qr(text).symbol_size(border=4)[0]
    assert root.get("viewBox") == f"0 0 {modules} {modules}"
    title = root.find("title")
    assert title is not None
    assert title.text == "GiroCode für 35,50 € an <Stadtkasse> & Co"
    assert next(iter(root)) is title  # first child: that is where screen readers look


def test_svg_has_no_style_attributes_and_draws_black_on_white() -> None:
    svg = girocode_svg(EXAMPLES["rf reference"], title="GiroCode")
    assert not re.search(r"\bstyle\b", svg)  # neither attributes nor elements: strict CSP
    root = ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input
    paths = root.findall("path")
    assert [path.get("fill") for path in paths if path.get("fill")] == ["#fff"]
    assert [path.get("stroke") for path in paths if path.get("stroke")] == ["#000"]


def test_the_same_code_asked_again_is_not_made_again(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[bytes] = []
    make = segno.make

    def counting(data: bytes, **options: Any) -> segno.QRCode:
        made.append(data)
        return make(data, **options)

    monkeypatch.setattr(segno, "make", counting)
    girocode_svg.cache_clear()
    text = payload(amount_cents=4_217)
    first = girocode_svg(text, title="GiroCode")
    assert girocode_svg(text, title="GiroCode") == first
    assert len(made) == 1
    other = girocode_svg(payload(amount_cents=4_218), title="GiroCode")
    assert other != first
    assert len(made) == 2
