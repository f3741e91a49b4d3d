"""The form engine's codes in words, for the audit log: what clerks and the portal did with
applications, and a status value (``abgelehnt``) as the status's name."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from server.audit.labels import register_labels
from server.forms.engine import AWAITING_PAYMENT
from server.forms.registry import DEFINITIONS


def status_name(value: str) -> str:
    """A status value as its definition names it (the first service that knows it)."""
    if value == AWAITING_PAYMENT.value:
        return str(AWAITING_PAYMENT.label)
    for definition in DEFINITIONS.values():
        for status in definition.statuses:
            if status.value == value:
                return str(status.label)
    return value


def register_forms_labels() -> None:
    register_labels(
        actions={
            "forms.inbox.view": _l("Eingang eines Dienstes angesehen"),
            "forms.submission.view": _l("Antrag angesehen"),
            "forms.attachment.download": _l("Datei eines Antrags heruntergeladen"),
            "forms.receipt.download": _l("Eingangsbestätigung heruntergeladen"),
            "forms.paid": _l("Antrag bezahlt"),
            "forms.status": _l("Stand eines Antrags geändert"),
            "forms.status.undone": _l("Stand eines Antrags zurückgenommen (Fehler)"),
        },
        records={
            "form_submission": _l("Antrag"),
            "form_service": _l("Dienst"),
            "form_upload": _l("Datei"),
        },
        details={"forms.status": status_name, "forms.status.undone": status_name},
    )
