"""GiroCode: the QR code on a payment notice that a banking app scans to fill in the transfer.

*GiroCode* is the German name of the EPC QR code, EPC069-12 "Quick Response Code: Guidelines to
Enable Data Capture for the Initiation of a SEPA Credit Transfer", here in version 002 with
UTF-8 (character set 1). The payload is a fixed sequence of lines; empty optional lines stay in
place as empty lines, and the last populated line ends without a line feed. The code itself uses
error correction level M and at most 331 bytes (QR version 13), as the guideline demands.

segno's ``helpers.make_epc_qr`` is not used: it writes amounts without trailing zeros
("EUR12.5"), insists on a remittance line, and validates neither IBAN nor RF reference. The
payload is built and checked here; segno only encodes it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import segno
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from server.payments.references import is_valid_rf

MAX_PAYLOAD_BYTES = 331
MAX_NAME_LENGTH = 70
MAX_TEXT_LENGTH = 140
MIN_AMOUNT_CENTS = 1
MAX_AMOUNT_CENTS = 999_999_999_99
QUIET_ZONE_MODULES = 4
# Codes kept per process: at most about 8 KB each (version 13), so at most 2 MB.
SVG_CACHE_SIZE = 256
_HEADER = ("BCD", "002", "1", "SCT")  # service tag, version, character set UTF-8, SEPA transfer


class GiroCodeError(ValueError):
    """The GiroCode cannot be made from these data; the message says which field is wrong."""


@dataclass(frozen=True)
class Beneficiary:
    """Who receives the money: the account holder's name as the bank knows it, the IBAN and,
    only for banks outside the EEA, the BIC."""

    name: str
    iban: str
    bic: str | None = None


def _refuse_control_characters(field: str, value: str) -> None:
    # A line feed would shift every following field; other control characters confuse apps.
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise GiroCodeError(f"{field} must not contain line breaks or control characters")


def _name_line(name: str) -> str:
    _refuse_control_characters("beneficiary name", name)
    if not name.strip():
        raise GiroCodeError("beneficiary name is empty")
    if len(name) > MAX_NAME_LENGTH:
        raise GiroCodeError(
            f"beneficiary name has {len(name)} characters, at most {MAX_NAME_LENGTH} are allowed"
        )
    return name


def _iban_line(iban: str) -> str:
    try:
        account = IBAN(iban)
    except SchwiftyException as error:
        raise GiroCodeError(f"IBAN {iban!r} is invalid: {error}") from error
    if not account.in_sepa_zone:
        raise GiroCodeError(f"IBAN {iban!r} is outside the SEPA area")
    return account.compact


def _bic_line(bic: str | None) -> str:
    if bic is None:
        return ""
    try:
        return str(BIC(bic))
    except SchwiftyException as error:
        raise GiroCodeError(f"BIC {bic!r} is invalid: {error}") from error


def _amount_line(amount_cents: int) -> str:
    # bool is an int, and a float must never carry money: refuse both outright.
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int):
        raise GiroCodeError(f"amount must be integer cents, not {amount_cents!r}")
    if not MIN_AMOUNT_CENTS <= amount_cents <= MAX_AMOUNT_CENTS:
        raise GiroCodeError(
            f"amount must be between 0.01 and 999999999.99 EUR, not {amount_cents} cents"
        )
    euros, cents = divmod(amount_cents, 100)
    return f"EUR{euros}.{cents:02d}"


def _purpose_line(purpose: str | None) -> str:
    if purpose is None:
        return ""
    # An ISO 20022 ExternalPurpose1Code such as "GOVT" (payment to a public authority).
    if not (len(purpose) == 4 and purpose.isascii() and purpose.isalpha() and purpose.isupper()):
        raise GiroCodeError(f"purpose must be a code of four capital letters, not {purpose!r}")
    return purpose


def _reference_line(rf_reference: str | None) -> str:
    if rf_reference is None:
        return ""
    # Electronic form only (capitals and digits): is_valid_rf also accepts the print form.
    electronic = rf_reference.isalnum() and rf_reference.isupper()
    if not (electronic and is_valid_rf(rf_reference)):
        raise GiroCodeError(
            f"{rf_reference!r} is not a valid RF creditor reference in electronic form "
            "(ISO 11649, no spaces)"
        )
    return rf_reference


def _text_line(text: str | None) -> str:
    if text is None:
        return ""
    _refuse_control_characters("remittance text", text)
    if not text.strip():
        raise GiroCodeError("remittance text is empty; pass None for no text")
    if len(text) > MAX_TEXT_LENGTH:
        raise GiroCodeError(
            f"remittance text has {len(text)} characters, at most {MAX_TEXT_LENGTH} are allowed"
        )
    return text


def epc_payload(
    *,
    beneficiary: Beneficiary,
    amount_cents: int,
    rf_reference: str | None = None,
    text: str | None = None,
    purpose: str | None = None,
) -> str:
    """The EPC QR payload (version 002, UTF-8) for a SEPA credit transfer.

    Remittance is either the structured ``rf_reference`` or the unstructured ``text``, never
    both; a GiroCode without either is allowed by the guideline. Raises ``GiroCodeError``.
    """
    if rf_reference is not None and text is not None:
        raise GiroCodeError("give either an RF reference or a remittance text, not both")
    lines = [
        *_HEADER,
        _bic_line(beneficiary.bic),
        _name_line(beneficiary.name),
        _iban_line(beneficiary.iban),
        _amount_line(amount_cents),
        _purpose_line(purpose),
        _reference_line(rf_reference),
        _text_line(text),
    ]
    while not lines[-1]:
        lines.pop()
    payload = "\n".join(lines)
    size = len(payload.encode("utf-8"))
    if size > MAX_PAYLOAD_BYTES:
        raise GiroCodeError(
            f"payload has {size} bytes in UTF-8, at most {MAX_PAYLOAD_BYTES} are allowed"
        )
    return payload


def girocode_qr(payload: str) -> segno.QRCode:
    """The QR code for a payload from ``epc_payload``: byte mode, UTF-8, error level M."""
    data = payload.encode("utf-8")
    if not payload.startswith("\n".join(_HEADER) + "\n") or len(data) > MAX_PAYLOAD_BYTES:
        raise GiroCodeError("not an EPC QR payload; make it with epc_payload()")
    # Bytes, not str: segno would otherwise pick ISO 8859-1 for umlauts, while line 3 says UTF-8.
    # boost_error stays off: the guideline fixes level M, and banking apps rely on it.
    return segno.make(data, mode="byte", error="M", micro=False, boost_error=False)


# Choosing the mask (the standard's penalty for each of the eight) is most of a code's 14 ms;
# a notice page shown again (a reload, the way back from a failed online payment) asks for the
# same code, which is kept.
@lru_cache(maxsize=SVG_CACHE_SIZE)
def girocode_svg(payload: str, *, title: str) -> str:
    """The GiroCode as an inline ``<svg>`` element: scalable (viewBox, no fixed size), with
    ``role="img"`` and a ``<title>`` for screen readers, black on white, and without ``style``
    attributes, which the Content Security Policy forbids."""
    svg = girocode_qr(payload).svg_inline(
        scale=1,
        border=QUIET_ZONE_MODULES,
        dark="#000",
        light="#fff",
        title=title,
        omitsize=True,
        svgclass="girocode",
        lineclass=None,
    )
    # crispEdges keeps module borders sharp at any size, so scanners see clean edges.
    return svg.replace("<svg ", '<svg role="img" shape-rendering="crispEdges" ', 1)
