"""Time-based one-time passwords (TOTP, RFC 6238) as authenticator apps show them.

Six digits, 30-second steps, HMAC-SHA1: the defaults every authenticator app understands. A code
is accepted for its own step and one step either side (clock drift), and only for a step later
than the last accepted one, so a code seen over a shoulder cannot be used again.
"""

from __future__ import annotations

import hmac
import time
import unicodedata

import pyotp
import segno

STEP_SECONDS = 30
DIGITS = 6
VALID_WINDOW = 1


def new_secret() -> str:
    """160 random bits in base32, the length RFC 4226 recommends for HMAC-SHA1."""
    return pyotp.random_base32(length=32)


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)


def time_step(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // STEP_SECONDS)


def code_at_step(secret: str, step: int) -> str:
    return _totp(secret).at(step * STEP_SECONDS)


def current_code(secret: str) -> str:
    return code_at_step(secret, time_step())


def seconds_left(at: float | None = None) -> int:
    """Until the current step ends (the code is accepted one step longer)."""
    now = time.time() if at is None else at
    return int(STEP_SECONDS - now % STEP_SECONDS)


def normalise_code(code: str) -> str:
    """Authenticator apps show "123 456"; people type it so (or with full-width digits)."""
    return "".join(unicodedata.normalize("NFKC", code).split()).replace("-", "")


def matching_step(secret: str, code: str, *, at: float | None = None) -> int | None:
    """The time step within the window whose code this is, or None."""
    code = normalise_code(code)
    if len(code) != DIGITS or not (code.isascii() and code.isdigit()):
        return None
    now = time_step(at)
    found = None
    # Every step is compared, so the time taken does not tell which one matched.
    for step in range(now - VALID_WINDOW, now + VALID_WINDOW + 1):
        if hmac.compare_digest(code_at_step(secret, step), code) and found is None:
            found = step
    return found


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return _totp(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_data_uri(uri: str) -> str:
    """The URI as an SVG QR code in a data: URI (the CSP allows data: images, not inline styles)."""
    return str(segno.make(uri, error="M", micro=False).svg_data_uri(scale=5, border=4))


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))
