"""PostgreSQL connections tested before use when they have lain idle in the pool (issue 17).

SQLAlchemy's ``pool_pre_ping`` sends ``SELECT 1`` at every check-out: under load one round trip
more for each of a request's check-outs (the session row, the page's read, the unit of work),
a ninth of the journey mix's time in the workers. A connection given back a moment ago is alive,
as much as it would be a moment after a ping; what the ping is for is the connection that lay
in the pool while the database restarted or a firewall dropped it. So only a connection idle
for longer than ``DATABASE_PING_AFTER_IDLE_SECONDS`` is tested, the way ``pool_pre_ping`` does
it (the dialect's ``do_ping``): a dead one is thrown away and the pool hands out a fresh one,
unseen by the request.

A connection that dies while in use (the database stops mid-request) fails its statement, as it
would with ``pool_pre_ping``; SQLAlchemy then drops it and every connection the pool made
before it, so none of them is tried again.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

_GIVEN_BACK = "portal_given_back_at"


def ping_after_idle(engine: Engine, idle_seconds: float) -> None:
    """Test a connection of ``engine``'s pool at check-out if it was given back (or made) more
    than ``idle_seconds`` ago; ``idle_seconds`` 0 tests every check-out."""
    dialect = engine.dialect

    def given_back(_dbapi_connection: Any, record: Any) -> None:
        # The record's ``info`` lives as long as its DBAPI connection: a new one starts empty.
        # None: a connection detached from the pool, never handed out by it again.
        if record is not None:
            record.info[_GIVEN_BACK] = time.monotonic()

    def check_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle = time.monotonic() - record.info.get(_GIVEN_BACK, float("-inf"))
        if idle <= idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise DisconnectionError("the connection did not answer its ping") from error
            raise

    event.listen(engine, "connect", given_back)
    event.listen(engine, "checkin", given_back)
    event.listen(engine, "checkout", check_out)
