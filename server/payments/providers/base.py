"""The interface every payment provider implements.

A provider starts a payment (and tells where to send the citizen), reports a payment's status
when asked, verifies and reads its asynchronous notifications, and refunds. Its states map onto
``PaymentState``; PAID, FAILED and CANCELLED are final.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field

from server.payments.models import PaymentState


class ProviderError(RuntimeError):
    """The provider could not be reached or refused the request."""


class NotificationRejected(ValueError):
    """A notification that is not authentic or not fresh: answer 4xx and log it."""


@dataclass(frozen=True)
class PaymentItem:
    reference: str
    description: str
    amount_cents: int
    quantity: int = 1


@dataclass(frozen=True)
class PaymentRequest:
    request_id: str  # ours, unique per attempt; the provider echoes it
    amount_cents: int
    currency: str
    purpose: str  # shown to the citizen and on their account statement
    kassenzeichen: str
    return_url: str
    notify_url: str
    methods: tuple[str, ...]
    items: tuple[PaymentItem, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class StartedPayment:
    provider_payment_id: str
    redirect_url: str


@dataclass(frozen=True)
class ProviderStatus:
    provider_payment_id: str
    state: PaymentState
    amount_cents: int | None = None
    method: str | None = None
    request_id: str | None = None
    currency: str | None = None  # as reported; compared with the receivable's


class PaymentProvider(ABC):
    name: str

    @abstractmethod
    def start_payment(self, request: PaymentRequest) -> StartedPayment: ...

    @abstractmethod
    def query_status(self, provider_payment_id: str) -> ProviderStatus: ...

    @abstractmethod
    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> str:
        """The provider payment id an authentic notification is about; raises
        ``NotificationRejected`` otherwise. The status is then asked for, not believed."""

    @abstractmethod
    def refund(self, provider_payment_id: str, amount_cents: int, reason: str) -> str:
        """Refund (part of) a paid payment; returns the provider's refund id."""
