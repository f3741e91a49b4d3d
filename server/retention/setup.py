"""Wires the retention job into the app: its command and the audit log's words for its
entries. The job engine calls ``server.retention.run_due`` daily."""

from __future__ import annotations

from flask import Flask


def _detail(detail: str) -> str:
    from flask_babel import gettext as _

    counts = dict(part.partition("=")[::2] for part in detail.split())
    return _(
        "%(deleted)s gelöscht, %(files)s Dateien, %(anonymised)s anonymisiert, "
        "%(failed)s fehlgeschlagen",
        deleted=counts.get("deleted", "0"),
        files=counts.get("files", "0"),
        anonymised=counts.get("anonymised", "0"),
        failed=counts.get("failed", "0"),
    )


def init_retention(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from server.audit.labels import register_labels
    from server.retention.cli import retention_group
    from server.retention.run import AUDIT_ACTION, AUDIT_RECORD

    app.cli.add_command(retention_group)
    register_labels(
        actions={AUDIT_ACTION: _l("Aufbewahrungsfrist abgelaufen: gelöscht")},
        records={AUDIT_RECORD: _l("Aufbewahrung")},
        details={AUDIT_ACTION: _detail},
    )
