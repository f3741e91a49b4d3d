"""procrastinate's own schema on PostgreSQL: installed by migration 0019, kept current by later
migrations, removed by going below 0019.

procrastinate ships its schema as SQL with the package: ``schema.sql`` (the whole schema of the
installed version) and ``migrations/*.sql`` (each change since, named by version and order, e.g.
``03.04.00_50_post_add_retry_failed_job_procedure.sql``). The portal runs them through Alembic so
that ``portal db upgrade`` is the one way a database changes:

- ``install`` applies ``schema.sql`` and notes, in ``job_engine_schema``, the newest migration
  file it contains.
- ``upgrade`` applies each migration file newer than the one noted, in order, and notes the
  newest. A release that raises procrastinate's version adds an Alembic migration calling it
  (``docs/operations.md``, "Upgrading procrastinate"); on a database installed by a newer
  ``schema.sql`` it finds nothing to do.

Only PostgreSQL has these tables; on SQLite the in-process runner needs none. The models'
comparison with the database (``portal db check``) leaves them out (``ENGINE_TABLES``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from sqlalchemy import Connection, text

#: Tables of the job engine rather than the portal's models: not compared with the models.
ENGINE_TABLE_PREFIX = "procrastinate_"
VERSION_TABLE = "job_engine_schema"


def is_engine_table(name: str) -> bool:
    return name.startswith(ENGINE_TABLE_PREFIX) or name == VERSION_TABLE


def _sql_folder() -> Path:
    return Path(str(resources.files("procrastinate.sql")))


def _migration_files() -> list[Path]:
    return sorted((_sql_folder() / "migrations").glob("*.sql"), key=lambda path: path.name)


def newest_migration() -> str:
    return _migration_files()[-1].name


def _execute_script(connection: Connection, script: str) -> None:
    """A script of several statements: psycopg sends a query without parameters as it is."""
    raw = connection.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor:
        cursor.execute(script)


def _note(connection: Connection, version: str) -> None:
    connection.execute(text(f"DELETE FROM {VERSION_TABLE}"))  # noqa: S608  # nosec B608  # a constant
    connection.execute(
        # The table's name is a constant of this module; the version is bound.
        text(f"INSERT INTO {VERSION_TABLE} (version) VALUES (:version)"),  # noqa: S608  # nosec B608  # a constant
        {"version": version},
    )


def noted_version(connection: Connection) -> str | None:
    found = connection.execute(
        text(f"SELECT version FROM {VERSION_TABLE}")  # noqa: S608  # nosec B608  # a constant
    ).scalar()
    return str(found) if found is not None else None


def install(connection: Connection) -> None:
    connection.execute(text(f"CREATE TABLE {VERSION_TABLE} (version VARCHAR(200) NOT NULL)"))
    _execute_script(connection, (_sql_folder() / "schema.sql").read_text(encoding="utf-8"))
    _note(connection, newest_migration())


def upgrade(connection: Connection) -> list[str]:
    """Apply the migration files newer than the noted one; returns their names."""
    noted = noted_version(connection) or ""
    applied = []
    for path in _migration_files():
        if path.name > noted:
            _execute_script(connection, path.read_text(encoding="utf-8"))
            applied.append(path.name)
    if applied:
        _note(connection, applied[-1])
    return applied


def uninstall(connection: Connection) -> None:
    """Drop every table, function and type whose name begins ``procrastinate_`` in the current
    schema (procrastinate ships no script for it), then the version table."""
    pattern = ENGINE_TABLE_PREFIX.replace("_", r"\_") + "%"
    tables = connection.execute(
        text(
            "SELECT quote_ident(tablename) FROM pg_tables"
            " WHERE schemaname = current_schema() AND tablename LIKE :pattern"
        ),
        {"pattern": pattern},
    ).scalars()
    for table in list(tables):
        connection.execute(text(f"DROP TABLE IF EXISTS {table} CASCADE"))
    functions = connection.execute(
        text(
            "SELECT p.oid::regprocedure::text FROM pg_proc p"
            " JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = current_schema() AND p.proname LIKE :pattern"
        ),
        {"pattern": pattern},
    ).scalars()
    for function in list(functions):
        connection.execute(text(f"DROP FUNCTION IF EXISTS {function} CASCADE"))
    types = connection.execute(
        text(
            "SELECT quote_ident(t.typname) FROM pg_type t"
            " JOIN pg_namespace n ON n.oid = t.typnamespace"
            " WHERE n.nspname = current_schema() AND t.typname LIKE :pattern"
            " AND (t.typtype = 'e' OR (t.typtype = 'c'"
            " AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))"
        ),
        {"pattern": pattern},
    ).scalars()
    for kind in list(types):
        connection.execute(text(f"DROP TYPE IF EXISTS {kind} CASCADE"))
    connection.execute(text(f"DROP TABLE IF EXISTS {VERSION_TABLE}"))
