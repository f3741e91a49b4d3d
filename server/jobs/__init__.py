"""Scheduled and background jobs on a job engine, run once across any number of servers.

- ``catalogue``: the jobs (name, schedule, function); each area registers its own.
- ``runs``: the one wrapper every run goes through, on every engine: it claims the run in
  ``job_runs`` (at most one unfinished run per job, each scheduled time once), runs the function
  and records start, end, outcome, error and counts.
- ``engine``: the engine of the database: procrastinate on PostgreSQL (``procrastinate_engine``:
  periodic jobs deduplicated across workers, retries, LISTEN/NOTIFY), the in-process runner on
  SQLite (``inprocess``). ``portal worker`` starts it; ``portal demo`` runs the in-process one.
- ``wakeup``: ``request_run(name)`` asks for a run as soon as the current transaction commits
  (a mail was queued: it goes out within seconds, not at the next tick).
- ``engine_schema``: procrastinate's own tables on PostgreSQL, through the Alembic migrations.
"""
