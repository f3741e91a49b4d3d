"""Wires the job engine into the app: the engine of the database, the commands, this area's own
job (forgetting old runs) and the retention job."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from server.jobs.catalogue import Counts, Job, PartlyFailed, register_job
from server.jobs.runs import prune_runs

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


def _register_jobs() -> None:
    register_job(
        Job(
            "job-runs-prune",
            _l("Alte Einträge dieser Liste löschen"),
            "50 3 * * *",
            _l("täglich"),
            prune_runs,
            counts=(("deleted", _l("gelöscht")),),
        )
    )
    # The retention area (DSGVO Art. 5 (1) e) deletes what is due; its daily run is here, next
    # to the other housekeeping (its module is imported when the job runs).
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


def init_jobs(app: Flask) -> None:
    from server.jobs.cli import jobs_group, worker_command
    from server.jobs.engine import init_engine

    _register_jobs()
    init_engine(app)
    app.cli.add_command(worker_command)
    app.cli.add_command(jobs_group)
