"""Wires the retention area into the app: its command, its daily job and the audit log's words
for its entries."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from server.jobs.catalogue import Counts, Job, PartlyFailed, register_job

RETENTION_COUNTS = ("deleted", "files", "anonymised", "failed")


def run_retention() -> Counts:
    """The daily retention run (``server.retention.run_due``), its counts summed over the
    kinds of records; a record that could not be deleted fails the run (it is retried)."""
    from server.retention import run_due

    report = run_due()
    counts = {
        name: sum(getattr(result, name) for result in report.results) for name in RETENTION_COUNTS
    }
    if counts["failed"]:
        raise PartlyFailed(
            f"{counts['failed']} fällige Datensätze nicht gelöscht (Einzelheiten im Log)", counts
        )
    return counts


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
    from server.audit.labels import register_labels
    from server.retention.cli import retention_group
    from server.retention.run import AUDIT_ACTION, AUDIT_RECORD

    app.cli.add_command(retention_group)
    register_labels(
        actions={AUDIT_ACTION: _l("Aufbewahrungsfrist abgelaufen: gelöscht")},
        records={AUDIT_RECORD: _l("Aufbewahrung")},
        details={AUDIT_ACTION: _detail},
    )
    # DSGVO Art. 5 (1) e: what is due goes every night.
    register_job(
        Job(
            "retention",
            _l("Aufbewahrungsfristen: Fälliges löschen"),
            "20 2 * * *",
            _l("täglich"),
            run_retention,
            counts=(
                ("deleted", _l("gelöscht")),
                ("files", _l("Dateien")),
                ("anonymised", _l("anonymisiert")),
                ("failed", _l("fehlgeschlagen")),
            ),
        )
    )
