"""Wires the job engine into the app: the engine of the database, the commands and this area's
own job (forgetting old runs). Every other area registers its jobs itself."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from server.jobs.catalogue import Job, register_job
from server.jobs.runs import prune_runs


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


def init_jobs(app: Flask) -> None:
    from server.jobs.cli import jobs_group, worker_command
    from server.jobs.engine import init_engine

    _register_jobs()
    init_engine(app)
    app.cli.add_command(worker_command)
    app.cli.add_command(jobs_group)
