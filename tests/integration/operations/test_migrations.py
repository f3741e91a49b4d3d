from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import create_engine, inspect, text

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


def test_a_table_altered_by_a_migration_keeps_numbering_its_rows(backend: str) -> None:
    """0030 changes direct_debits' check constraint: on PostgreSQL in place, so the ids go on
    from the rows there (a copied table would start its sequence at 1 again)."""
    engine = create_engine(backend)
    try:
        downgrade(backend, "0029")
        with engine.begin() as connection:
            for number in (1, 2):
                receivable = connection.execute(
                    text(
                        "INSERT INTO receivables (kassenzeichen, rf_reference, access_token_hash,"
                        " purpose, description, debtor_name, amount_cents, currency, due_date,"
                        " created_at) VALUES (:kz, :rf, :token, 'dog-tax', 'Hundesteuer',"
                        " 'Erika', 9600, 'EUR', :due, :now) RETURNING id"
                    ),
                    {
                        "kz": f"MIG-{number}",
                        "rf": f"RF00MIG{number}",
                        "token": f"token-{number}",
                        "due": date(2026, 12, 4),
                        "now": datetime(2026, 12, 4, tzinfo=UTC),
                    },
                ).scalar_one()
                if number == 1:
                    mandate = connection.execute(
                        text(
                            "INSERT INTO sepa_mandates (reference, debtor_name, debtor_iban,"
                            " signed_on, created_at) VALUES ('HST-MIG', 'Erika',"
                            " 'DE89370400440532013000', :day, :now) RETURNING id"
                        ),
                        {"day": date(2026, 12, 4), "now": datetime(2026, 12, 4, tzinfo=UTC)},
                    ).scalar_one()
                    connection.execute(
                        text(
                            "INSERT INTO direct_debits (receivable_id, mandate_id, amount_cents,"
                            " collection_date, state, created_at) VALUES (:r, :m, 9600, :day,"
                            " 'requested', :now)"
                        ),
                        {
                            "r": receivable,
                            "m": mandate,
                            "day": date(2026, 12, 4),
                            "now": datetime(2026, 12, 4, tzinfo=UTC),
                        },
                    )
        upgrade(backend)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO direct_debits (receivable_id, mandate_id, amount_cents,"
                    " collection_date, state, created_at) VALUES (:r, :m, 9600, :day,"
                    " 'requested', :now)"
                ),
                {
                    "r": receivable,
                    "m": mandate,
                    "day": date(2026, 12, 4),
                    "now": datetime(2026, 12, 4, tzinfo=UTC),
                },
            )
            ids = connection.execute(text("SELECT id FROM direct_debits ORDER BY id")).scalars()
            assert list(ids) == [1, 2]
            connection.execute(text("DELETE FROM direct_debits"))
            connection.execute(text("DELETE FROM sepa_mandates"))
            connection.execute(text("DELETE FROM receivables"))
    finally:
        engine.dispose()
