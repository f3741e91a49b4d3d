"""The portal's Flask class answers ``ensure_sync`` as Flask does, more cheaply for plain
functions: an ``async def`` view or hook must still be run to its end, never returned as is."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from server.portal_flask import PortalFlask


def _plain(value: int) -> int:
    return value


async def _coroutine(value: int) -> int:
    return value


class _Hooks:
    def method(self, value: int) -> int:
        return value


def test_a_plain_function_is_returned_as_it_is() -> None:
    app = PortalFlask(__name__)
    assert app.ensure_sync(_plain) is _plain


def test_a_coroutine_function_goes_flasks_way(monkeypatch: pytest.MonkeyPatch) -> None:
    app = PortalFlask(__name__)
    wrapped: list[Any] = []

    def async_to_sync(func: Any) -> Any:
        wrapped.append(func)
        return _plain

    monkeypatch.setattr(app, "async_to_sync", async_to_sync)
    assert app.ensure_sync(_coroutine) is _plain
    assert wrapped == [_coroutine]


@pytest.mark.parametrize(
    "func", [functools.partial(_plain, 1), _Hooks().method], ids=["partial", "method"]
)
def test_anything_else_is_answered_as_flask_would(func: Any) -> None:
    app = PortalFlask(__name__)
    assert app.ensure_sync(func) is func
