"""The payments area's codes in words, for the cash office and the audit log: receivable
statuses (``partial``), booking kinds and sources, clarification reasons and states, closing
reasons, and the area's audit actions. The codes stay in the database and the exports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from server.audit.labels import register_labels
from server.payments.journal import ReceivableStatus
from server.payments.models import (
    BookingKind,
    BookingSource,
    ClarificationReason,
    ClarificationState,
    ClosingReason,
)

RECEIVABLE_STATUSES = {
    ReceivableStatus.OPEN: _l("offen"),
    ReceivableStatus.PARTIAL: _l("teilweise bezahlt"),
    ReceivableStatus.PAID: _l("bezahlt"),
    ReceivableStatus.OVERPAID: _l("überzahlt"),
    ReceivableStatus.CLOSED: _l("erledigt ohne Zahlung"),
}

REASONS = {
    ClarificationReason.UNKNOWN_REFERENCE: _l("Unbekannter Verwendungszweck"),
    ClarificationReason.PARTIAL_PAYMENT: _l("Teilzahlung"),
    ClarificationReason.OVERPAYMENT: _l("Überzahlung"),
    ClarificationReason.DUPLICATE_PAYMENT: _l("Doppelte Zahlung"),
    ClarificationReason.RETURNED_DEBIT: _l("Rücklastschrift oder Rückbuchung"),
    ClarificationReason.PAYMENT_ON_CLOSED: _l("Zahlung auf eine erledigte Sollstellung"),
    ClarificationReason.AMOUNT_MISMATCH: _l(
        "Zahlplattform meldet anderen Betrag oder andere Währung"
    ),
}

STATES = {
    ClarificationState.OPEN: _l("offen"),
    ClarificationState.ASSIGNED: _l("zugeordnet"),
    ClarificationState.REFUNDED: _l("erstattet"),
    ClarificationState.WRITTEN_OFF: _l("abgeschrieben"),
    ClarificationState.ACCEPTED: _l("ohne Buchung erledigt"),
}

BOOKING_KINDS = {
    BookingKind.PAYMENT: _l("Zahlung"),
    BookingKind.REFUND: _l("Erstattung"),
    BookingKind.REVERSAL: _l("Rückbuchung"),
    BookingKind.WRITE_OFF: _l("Abschreibung"),
    BookingKind.CANCELLATION: _l("Absetzung"),
}

BOOKING_SOURCES = {
    BookingSource.PROVIDER: _l("Zahlplattform"),
    BookingSource.BANK: _l("Kontoauszug"),
    BookingSource.CLERK: _l("Stadtkasse"),
}

CLOSINGS = {
    ClosingReason.DISCONTINUED: _l("Verfahren eingestellt"),
    ClosingReason.FORWARDED: _l("an die benannte Person abgegeben"),
    ClosingReason.REPLACED: _l("durch einen neuen Bescheid ersetzt"),
    ClosingReason.REJECTED: _l("Antrag abgelehnt"),
    ClosingReason.WITHDRAWN: _l("Antrag zurückgenommen"),
    ClosingReason.ENDED: _l("Steuerpflicht beendet"),
}

# What the clerk chose on a clarification, for the success message and the audit log.
DECIDED = {
    ClarificationState.ASSIGNED: _l("Zahlung zugeordnet und gebucht"),
    ClarificationState.REFUNDED: _l("Erstattung veranlasst"),
    ClarificationState.WRITTEN_OFF: _l("Rest abgeschrieben"),
    ClarificationState.ACCEPTED: _l("Ohne Buchung erledigt"),
}


def _named(names: Mapping[Any, object], code: str | None) -> str:
    return str(names.get(code or "", code or ""))


def receivable_status_label(status: str) -> str:
    return _named(RECEIVABLE_STATUSES, status)


def reason_label(reason: str) -> str:
    return _named(REASONS, reason)


def state_label(state: str) -> str:
    return _named(STATES, state)


def kind_label(kind: str) -> str:
    return _named(BOOKING_KINDS, kind)


def source_label(source: str) -> str:
    return _named(BOOKING_SOURCES, source)


def closing_label(reason: str | None) -> str:
    return _named(CLOSINGS, reason)


def decided_label(state: str) -> str:
    return _named(DECIDED, state)


def register_payments_labels() -> None:
    register_labels(
        actions={
            "payments.receivable.view": _l("Sollstellung angesehen"),
            "payments.statement.import": _l("Kontoauszug eingelesen"),
            "payments.export": _l("Buchungen exportiert"),
            "payments.refund": _l("Erstattung veranlasst"),
            **{
                f"payments.clarification.{state.value}": _l(
                    "Klärungsfall entschieden: %(decision)s", decision=label
                )
                for state, label in DECIDED.items()
            },
            **{
                f"payments.receivable.closed.{reason.value}": _l(
                    "Sollstellung erledigt: %(reason)s", reason=label
                )
                for reason, label in CLOSINGS.items()
            },
        },
        records={
            "receivable": _l("Sollstellung"),
            "refund": _l("Erstattung"),
            "statement_import": _l("Kontoauszug"),
            "bookings": _l("Buchungstag"),
            "clarification": _l("Klärungsfall"),
        },
    )
