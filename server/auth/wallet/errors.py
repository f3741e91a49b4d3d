"""Why a wallet login did not complete, as reason codes: stored with the transaction, logged,
and mapped to words for the citizen by the login's views. Codes carry no personal data."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    # The transaction
    UNKNOWN_TRANSACTION = "unknown_transaction"  # no such request id, state or key id
    NOT_AVAILABLE = "not_available"  # expired, or this step was taken already (replay)
    STATE = "state"  # the answer names another transaction than the one it reached
    RESPONSE_CODE = "response_code"  # the same-device redirect brought a wrong code
    PENDING = "pending"  # the wallet has not answered yet
    # The wallet said no (``wallet:<error>`` is stored, e.g. ``wallet:access_denied``)
    WALLET_ERROR = "wallet"
    # The answer's envelope
    MALFORMED = "malformed"  # not the shape OpenID4VP prescribes
    ENCRYPTION = "encryption"  # not encrypted to this transaction's key, or not as asked
    # The presentation
    UNTRUSTED_ISSUER = "untrusted_issuer"  # no certificate chain to a configured anchor
    SIGNATURE = "signature"  # the issuer's signature does not hold
    DISCLOSURE = "disclosure"  # a disclosure or value digest does not match what was signed
    KEY_BINDING = "key_binding"  # no or a wrong proof of the holder's key
    NONCE = "nonce"  # bound to another transaction's nonce
    AUDIENCE = "audience"  # bound to another verifier
    STALE = "stale"  # the holder's proof is too old or from the future
    EXPIRED = "expired"  # the credential is expired or not yet valid
    CREDENTIAL_TYPE = "credential_type"  # not a PID of an accepted vct or doctype
    MISSING_CLAIM = "missing_claim"  # a claim the portal needs was not disclosed


class WalletError(Exception):
    """A step of a wallet login failed; ``reason`` says which check, ``detail`` is for the log
    (never shown to the citizen, never personal data)."""

    def __init__(self, reason: Reason | str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = str(reason)
        self.detail = detail


class TransactionUnavailable(WalletError):
    """The transaction is unknown, expired, or the step was taken already: nothing changed."""


class VerificationFailed(WalletError):
    """The wallet's answer was taken and failed a check: the transaction is failed for good."""
