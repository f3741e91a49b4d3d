"""A proof of work (ALTCHA) before an anonymous visitor sees free times.

Bots that book scarce appointments and sell them must pay for every look at the free times, in
computing time; a person's browser pays a second or so, once per booking. Logged-in citizens
skip it: their account already limits them.

- ``new_challenge`` issues an ALTCHA challenge (version 2: PBKDF2-SHA-256, the counter chosen at
  random below ``APPOINTMENT_PROOF_DIFFICULTY``), signed with ``APPOINTMENT_PROOF_KEY``, expiring
  after ``APPOINTMENT_PROOF_MINUTES`` and bound to the step it unlocks (``STEP`` in its signed
  data: a challenge issued for another purpose unlocks nothing here).
- The widget (``js/altcha.js``) solves it in the browser and sends the payload with the form
  that asks for the free times; ``accept`` checks signature, solution, expiry and step, and that
  it was never used: the challenge's nonce is marked used in Flask-Limiter's storage (one hit of
  "1 per APPOINTMENT_PROOF_MINUTES", atomic in Redis and in memory) for at least as long as the
  challenge is valid, so a payload sent twice, even by parallel requests, counts once.
- An accepted proof leaves a **pass** in the (server-side) session: the times pages and the
  details step are open for ``APPOINTMENT_PROOF_MINUTES``. A booking claims the pass in the same
  storage before it books (two parallel bookings with one pass: one goes ahead) and gives it
  back if the booking fails (a time taken meanwhile, the limit); a booking made keeps the claim,
  so the pass is used up and the next booking needs a new proof. The storage, not the session,
  decides: parallel requests of one browser cannot overwrite it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from enum import Enum
from typing import Any

import altcha
from flask import current_app, session
from limits import RateLimitItem, RateLimitItemPerMinute

from server.auth.session import current_citizen
from server.extensions import limiter

STEP = "appointments.times"
PAYLOAD = "altcha"  # the form field the widget fills with the solved challenge
ALGORITHM = "PBKDF2/SHA-256"
ROUNDS = 1000  # PBKDF2 rounds of one try; the setting decides the number of tries
SESSION_ENTRY = "appointment_proof"
USED = "appointment-proof-used"
CLAIMED = "appointment-proof-claimed"


class Failure(Enum):
    """Why a proof was not accepted (each has its message on the page)."""

    MISSING = "missing"  # nothing sent: no JavaScript, or sent before the widget was done
    INVALID = "invalid"  # forged, tampered with, wrongly solved or for another step
    EXPIRED = "expired"
    USED = "used"  # this solution was accepted before


def _minutes() -> int:
    return max(1, int(current_app.config["APPOINTMENT_PROOF_MINUTES"]))


def _keys() -> tuple[bytes, bytes]:
    """The key signing the challenge and the key signing its expected solution."""
    configured = str(current_app.config.get("APPOINTMENT_PROOF_KEY") or "")
    base = configured.encode() or hmac.digest(
        str(current_app.config["SECRET_KEY"]).encode(), b"appointments: altcha", hashlib.sha256
    )
    return (
        hmac.digest(base, b"challenge", hashlib.sha256),
        hmac.digest(base, b"solution", hashlib.sha256),
    )


def _once() -> RateLimitItem:
    """One use per challenge lifetime: the window outlives the challenge."""
    return RateLimitItemPerMinute(1, _minutes())


def needed() -> bool:
    """Whether this visitor must prove work before seeing free times."""
    return current_citizen() is None


def new_challenge(step: str = STEP) -> dict[str, Any]:
    """A fresh challenge as the widget fetches it (JSON), for ``step``."""
    challenge_key, solution_key = _keys()
    difficulty = max(1, int(current_app.config["APPOINTMENT_PROOF_DIFFICULTY"]))
    challenge = altcha.create_challenge(
        ALGORITHM,
        ROUNDS,
        counter=secrets.randbelow(difficulty),
        expires_at=int(time.time()) + _minutes() * 60,
        data={"step": step},
        hmac_secret=challenge_key,
        hmac_key_secret=solution_key,
    )
    return challenge.to_dict()


def accept(payload: str | None) -> Failure | None:
    """Check a solved challenge and, if it holds, give this browser its pass (None)."""
    if not payload:
        return Failure.MISSING
    challenge_key, solution_key = _keys()
    result = altcha.verify_solution(payload, challenge_key, hmac_key_secret=solution_key)
    if result.expired:
        return Failure.EXPIRED
    if not result.verified:
        return Failure.INVALID
    # Signed, so the parameters are ours: the step and the nonce are what we issued.
    parameters = altcha.Payload.from_base64(payload).challenge.parameters
    if (parameters.data or {}).get("step") != STEP:
        return Failure.INVALID
    if not limiter.limiter.hit(_once(), USED, parameters.nonce):
        return Failure.USED
    session[SESSION_ENTRY] = {"id": parameters.nonce, "until": int(time.time()) + _minutes() * 60}
    return None


def _pass() -> dict[str, Any] | None:
    """The session's pass, if it is still valid and no booking has claimed it."""
    held = session.get(SESSION_ENTRY)
    if not isinstance(held, dict) or int(held.get("until", 0)) < time.time():
        return None
    if not limiter.limiter.test(_once(), CLAIMED, str(held.get("id"))):
        return None
    return held


def why_no_pass() -> Failure:
    """Why this visitor has no pass: there never was one (MISSING), a booking used it up (USED)
    or it ran out (EXPIRED)."""
    held = session.get(SESSION_ENTRY)
    if not isinstance(held, dict):
        return Failure.MISSING
    if not limiter.limiter.test(_once(), CLAIMED, str(held.get("id"))):
        return Failure.USED
    return Failure.EXPIRED


def has_pass() -> bool:
    """Whether this visitor may see free times now (logged in, or a proof accepted lately)."""
    return not needed() or _pass() is not None


def claim() -> str | None:
    """Claim the pass for one booking. The claim's id (hand it to ``release`` if the booking
    fails); ``""`` when no proof is needed; None when there is no pass or another request has
    claimed it. A claim lasts as long as the pass can: a booking uses the pass up."""
    if not needed():
        return ""
    held = _pass()
    if held is None:
        return None
    claim_id = str(held["id"])
    if not limiter.limiter.hit(_once(), CLAIMED, claim_id):
        return None
    return claim_id


def release(claim_id: str) -> None:
    """The booking failed (nothing was booked): the pass serves the next try."""
    if claim_id:
        limiter.limiter.clear(_once(), CLAIMED, claim_id)
