"""Alembic, driven from code: the migrations live in ``server/migrations``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from server.db import import_all_models
from server.jobs.engine_schema import is_engine_table

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # '%' would be read as interpolation by configparser.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    """Alembic's filter: the job engine's own tables (procrastinate's, on PostgreSQL) are not
    the portal's models; their schema is procrastinate's (``server.jobs.engine_schema``)."""
    return not (type_ == "table" and name is not None and is_engine_table(name))


def pending_changes(engine: Engine) -> list[object]:
    """What autogenerate would still add: empty when models and migrations agree."""
    metadata = import_all_models()
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_name}
        )
        return list(compare_metadata(context, metadata))
