"""``portal worker`` runs the job engine; ``portal jobs`` lists the jobs and runs one by hand."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from server.formatting import city_time
from server.jobs.catalogue import all_jobs, find_job
from server.jobs.engine import engine_of
from server.jobs.models import Trigger
from server.jobs.runs import job_status, run_job

jobs_group = AppGroup("jobs", help="Scheduled jobs: what runs when, and running one now.")


@click.command("worker", help="Run the scheduled and background jobs (one or more per site).")
@click.option(
    "--concurrency",
    default=4,
    show_default=True,
    type=click.IntRange(1, 32),
    help="Jobs run at once by this worker (PostgreSQL; on SQLite each job has its thread).",
)
@with_appcontext
def worker_command(concurrency: int) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    engine = engine_of(app)
    names = ", ".join(job.name for job in all_jobs())
    click.echo(f"Job worker ({engine.name}) on {app.config['DATABASE_URL']}: {names}", err=True)
    engine.work(concurrency=concurrency)


@jobs_group.command("list")
def list_command() -> None:
    """Each job: name, schedule (cron, UTC), last run and its outcome."""
    jobs = all_jobs()
    for job, status in zip(jobs, job_status([job.name for job in jobs]), strict=True):
        last = status.last_run
        when = f"{city_time(last.started_at):%Y-%m-%d %H:%M}" if last else "never"
        outcome = last.outcome if last else "-"
        click.echo(f"{job.name}\t{job.schedule}\t{when}\t{outcome}")


@jobs_group.command("run")
@click.argument("name")
def run_command(name: str) -> None:
    """Run the job NAME now, recorded like every run (not while it runs elsewhere)."""
    job = find_job(name)
    if job is None:
        known = ", ".join(j.name for j in all_jobs())
        raise click.ClickException(f"no job {name!r}; known: {known}")
    result = run_job(job, trigger=Trigger.COMMAND)
    if result.run_id is None:
        click.echo(f"{name}: running elsewhere right now, not run.")
    elif result.failed:
        raise click.ClickException(f"{name} failed: {result.error}")
    else:
        click.echo(f"{name}: done.")
