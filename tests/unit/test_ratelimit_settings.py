"""RATELIMIT_FAIL_CLOSED and the rate-limit storage's options (server/ratelimits.py; the
behaviour with Redis down is drilled in tests/drills/test_redis_down.py)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from server.config import ConfigurationError, load_config
from server.db import unreachable


def test_logins_and_code_entry_fail_closed_by_default() -> None:
    assert load_config(environ={})["RATELIMIT_FAIL_CLOSED"] == ("login", "code")


def test_a_city_names_the_groups_or_none() -> None:
    assert load_config(environ={"RATELIMIT_FAIL_CLOSED": "code"})["RATELIMIT_FAIL_CLOSED"] == (
        "code",
    )
    assert load_config(environ={"RATELIMIT_FAIL_CLOSED": "none"})["RATELIMIT_FAIL_CLOSED"] == ()
    assert load_config({"RATELIMIT_FAIL_CLOSED": "login, other"})["RATELIMIT_FAIL_CLOSED"] == (
        "login",
        "other",
    )


def test_an_unknown_group_refuses_the_start() -> None:
    with pytest.raises(ConfigurationError, match="RATELIMIT_FAIL_CLOSED"):
        load_config(environ={"RATELIMIT_FAIL_CLOSED": "logins"})
    with pytest.raises(ConfigurationError, match="RATELIMIT_FAIL_CLOSED"):
        load_config({"RATELIMIT_FAIL_CLOSED": "everything"})


def test_storage_errors_are_wrapped_and_redis_times_out_quickly() -> None:
    redis = load_config(environ={"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"})
    assert redis["RATELIMIT_STORAGE_OPTIONS"] == {
        "wrap_exceptions": True,
        "socket_connect_timeout": 1,
        "socket_timeout": 1,
    }
    assert load_config(environ={})["RATELIMIT_STORAGE_OPTIONS"] == {"wrap_exceptions": True}


def test_which_database_errors_mean_unreachable() -> None:
    lost = OperationalError("SELECT 1", {}, Exception("server closed the connection"))
    assert unreachable(lost)
    assert unreachable(PoolTimeout("QueuePool limit reached"))
    assert not unreachable(IntegrityError("INSERT", {}, Exception("duplicate key")))
    assert not unreachable(ValueError("no database error at all"))
