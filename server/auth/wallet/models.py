"""One row per login with the EUDI wallet: the transaction between the browser that started it,
the wallet that fetches the request and posts the answer, and the browser that finishes it.

Each step moves the row on with one conditional update (``UPDATE ... WHERE status = <the step
before>``), so that two requests racing for the same step cannot both pass: the request object
is handed out once, an answer is taken once, a verified person is taken once. Secrets the
browser holds (the transaction's key, the response code) are stored only as SHA-256.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, utcnow


class TransactionStatus(StrEnum):
    CREATED = "created"  # the browser shows the link or QR code
    REQUESTED = "requested"  # the wallet fetched the signed request object
    VERIFIED = "verified"  # the wallet's answer passed every check; the person waits
    FAILED = "failed"  # the wallet refused, or its answer failed a check
    CONSUMED = "consumed"  # the browser took the verified person (logged in)


class Flow(StrEnum):
    SAME_DEVICE = "same_device"  # the wallet redirects back with a response code
    CROSS_DEVICE = "cross_device"  # the browser polls; no redirect reaches it


class ResponseMode(StrEnum):
    DIRECT_POST = "direct_post"
    DIRECT_POST_JWT = "direct_post.jwt"  # the answer is encrypted to this transaction's key


def _one_of(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN (" + ", ".join(f"'{value.value}'" for value in values) + ")"


class WalletTransaction(Base):
    __tablename__ = "wallet_transactions"
    __table_args__ = (
        CheckConstraint(_one_of("status", TransactionStatus), name="known_status"),
        CheckConstraint(_one_of("flow", Flow), name="known_flow"),
        CheckConstraint(_one_of("response_mode", ResponseMode), name="known_response_mode"),
        Index("ix_wallet_transactions_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The request URI's last segment: public (it is in the QR code).
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    # ``state`` and the encryption key's ``kid``: only in the signed request object, which is
    # handed out once, so that only the wallet that fetched it can answer or fail this login.
    state: Mapped[str] = mapped_column(String(64), unique=True)
    # SHA-256 of the secret the starting browser keeps in its session.
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    nonce: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[str] = mapped_column(String(255))
    response_uri: Mapped[str] = mapped_column(String(500))
    response_mode: Mapped[str] = mapped_column(String(20))
    flow: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=TransactionStatus.CREATED.value)
    # The ephemeral private JWK the answer is encrypted to (direct_post.jwt); wiped at the end.
    encryption_key: Mapped[str | None] = mapped_column(Text)
    # SHA-256 of the code the wallet's redirect brings back (same-device flow).
    response_code_hash: Mapped[str | None] = mapped_column(String(64))
    # The verified person (JSON) between the wallet's answer and the browser taking it.
    result: Mapped[str | None] = mapped_column(Text)
    # Why it failed: a reason code (``server.auth.wallet.errors``), never personal data.
    failure: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    consumed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
