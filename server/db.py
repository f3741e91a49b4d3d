"""Engine, session and declarative base.

One scoped session per application context; a unit of work runs inside ``transaction()``, which
commits once at the end or rolls everything back.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from flask import Flask, current_app
from sqlalchemy import (
    ColumnElement,
    MetaData,
    Table,
    any_,
    bindparam,
    create_engine,
    event,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker

from server.idle_ping import ping_after_idle

# Every area that owns tables lists its models module here, so that Alembic and the tests see the
# whole schema.
MODEL_MODULES = (
    "server.auth.models",
    "server.auth.second_factor_models",
    "server.payments.models",
    "server.payments.sandbox.models",
    "server.fines.models",
    "server.mail.models",
    "server.audit.models",
    "server.forms.models",
    "server.appointments.models",
    "server.jobs.models",
    "server.auth.wallet.models",
    "server.parkausweis.models",
    "server.hundesteuer.models",
)

# Deterministic constraint names: Alembic can only alter what it can name, on SQLite as well as
# on PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


def import_all_models() -> MetaData:
    for module in MODEL_MODULES:
        importlib.import_module(module)
    return Base.metadata


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(
    url: str,
    *,
    pool_size: int = 5,
    max_overflow: int = 10,
    pool_timeout: float = 30,
    ping_after_idle_seconds: float = 1,
) -> Engine:
    """``hide_parameters``: an error's message and log lines carry the SQL without its bound
    values (names, IBANs, e-mail addresses of the rows involved). A PostgreSQL connection idle
    longer than ``ping_after_idle_seconds`` is tested before use (``server.idle_ping``)."""
    parsed = make_url(url)
    pool: dict[str, Any] = {
        "pool_size": pool_size,
        "max_overflow": max_overflow,
        "pool_timeout": pool_timeout,
    }
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        else:
            pool = {}  # one in-memory database lives in one connection (SingletonThreadPool)
        engine = create_engine(
            url, connect_args={"check_same_thread": False}, hide_parameters=True, **pool
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, hide_parameters=True, **pool)
    ping_after_idle(engine, ping_after_idle_seconds)
    return engine


@dataclass
class _AppDatabase:
    engine: Engine
    sessions: scoped_session[Session]
    reader: Engine


def _single_reads(engine: Engine) -> Engine:
    """The engine for connections that send one reading statement and nothing else: on
    PostgreSQL without a transaction, because one statement reads one snapshot by itself and
    BEGIN and ROLLBACK are two more round trips of four (issue 17: the session row is read on
    every request). SQLite's driver begins no transaction for a read anyway."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


class Database:
    """The Flask extension: an engine and a request-scoped session for each app."""

    def init_app(self, app: Flask) -> None:
        engine = make_engine(
            app.config["DATABASE_URL"],
            pool_size=app.config["DATABASE_POOL_SIZE"],
            max_overflow=app.config["DATABASE_MAX_OVERFLOW"],
            pool_timeout=app.config["DATABASE_POOL_TIMEOUT_SECONDS"],
            ping_after_idle_seconds=app.config["DATABASE_PING_AFTER_IDLE_SECONDS"],
        )
        state = _AppDatabase(
            engine,
            scoped_session(sessionmaker(bind=engine, expire_on_commit=False)),
            _single_reads(engine),
        )
        app.extensions["portal_db"] = state
        app.teardown_appcontext(lambda _exc: state.sessions.remove())

    @staticmethod
    def _state() -> _AppDatabase:
        state: _AppDatabase | None = current_app.extensions.get("portal_db")
        if state is None:
            raise RuntimeError("Database.init_app() has not been called for this app")
        return state

    @property
    def engine(self) -> Engine:
        return self._state().engine

    @property
    def single_reads(self) -> Engine:
        """For a connection that sends one SELECT: it sees the database as it is, and nothing
        written on it would be kept in a transaction."""
        return self._state().reader

    @property
    def session(self) -> Session:
        return self._state().sessions()

    def release(self) -> None:
        """Close the request's session, if it made one: its connection goes back to the pool.
        Asking for ``session`` to close it would first make one for a request that read
        nothing (the start page: issue 17)."""
        sessions = self._state().sessions
        if sessions.registry.has():
            sessions().close()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Run one unit of work: commit at the end, roll back on any error."""
        session = self.session
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True


def unreachable(error: BaseException) -> bool:
    """Whether ``error`` means the database cannot be reached now (down, restarting, the
    connection lost, or every connection of the pool busy) rather than a refusal of what was
    asked: the first is answered with "try again shortly", the second is a bug. The pool
    (``server.idle_ping``) replaces the lost connections by itself once the database is back."""
    if isinstance(error, (OperationalError, InterfaceError, PoolTimeout)):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


M = TypeVar("M", bound="Base")


def lock_row(session: Session, model: type[M], key: int) -> M | None:
    """The row, re-read and held until the transaction ends, so that what is decided from it
    stays true: ``SELECT ... FOR UPDATE`` on PostgreSQL. SQLite has no row locks; there a
    no-op UPDATE takes the database's write lock (writers queue behind it, see ``busy_timeout``)
    and every read after it sees the latest committed state."""
    table: Table = model.__table__  # type: ignore[assignment]
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(table).where(table.c.id == key).values(id=table.c.id))
    return session.execute(
        select(model)
        .where(table.c.id == key)
        .with_for_update(of=table)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def dialect_insert(target: Any, session: Session) -> Any:
    """The ``INSERT`` into ``target`` (a table or a mapped class) of the session's database,
    which has ``on_conflict_do_nothing``."""
    if session.get_bind().dialect.name == "sqlite":
        return sqlite_insert(target)
    return postgresql_insert(target)


def insert_once(
    session: Session, model: type[Base], values: dict[str, Any], unique: Sequence[str]
) -> int | None:
    """Insert a row unless one with the same ``unique`` columns exists (also one a parallel
    transaction is inserting: PostgreSQL waits for it); returns the new row's id, or None.

    ``INSERT ... ON CONFLICT DO NOTHING`` rather than a savepoint: on SQLite a savepoint that
    opens the transaction commits on release (pysqlite begins transactions lazily), which would
    commit the row before the rest of the unit of work."""
    table: Table = model.__table__  # type: ignore[assignment]
    statement = (
        dialect_insert(table, session)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(unique))
        .returning(table.c.id)
    )
    inserted = session.execute(statement).scalar_one_or_none()
    return int(inserted) if inserted is not None else None


# Values in one ``one_of`` read: below SQLite's limit on parameters (32,766 since 3.32).
BULK_CHUNK = 5000


def one_of(session: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN (values)`` for bulk reads (issue 17). On PostgreSQL ``column = ANY(:array)``:
    one parameter instead of thousands, several times faster to send and to plan; elsewhere
    ``IN``, so give it at most ``BULK_CHUNK`` values."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(
            "ColumnElement[bool]",
            column == any_(bindparam(None, value=list(values), type_=ARRAY(column.type))),
        )
    return cast("ColumnElement[bool]", column.in_(values))


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; the portal stores UTC, so say so."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
