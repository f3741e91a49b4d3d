from __future__ import annotations

from sqlalchemy import create_engine, inspect

from server.migrate import downgrade, pending_changes, upgrade


def test_migrations_and_models_agree(backend: str) -> None:
    engine = create_engine(backend)
    try:
        assert pending_changes(engine) == []
    finally:
        engine.dispose()


def test_migrations_go_down_to_empty_and_up_again(backend: str) -> None:
    engine = create_engine(backend)
    try:
        downgrade(backend, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(backend)
        assert {"clerks", "clerk_roles"} <= set(inspect(engine).get_table_names())
        assert pending_changes(engine) == []
    finally:
        engine.dispose()
