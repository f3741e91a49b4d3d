"""Flask as the portal runs it: its Flask class, with a cheaper check that a hook or view is
synchronous, and ``own``, the object behind a context proxy."""

from __future__ import annotations

from collections.abc import Callable
from inspect import CO_COROUTINE
from types import FunctionType
from typing import Any

from flask import Flask


class PortalFlask(Flask):
    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Flask asks this of every hook and view of every request, a dozen times a page, and
        ``inspect.iscoroutinefunction`` unwraps and inspects each time (2 % of the start page's
        instructions; issue 17). A plain ``def`` function (what the portal registers) is
        answered from its code's flags, as that function reads them; anything else (partials,
        methods, a function marked as a coroutine function) goes Flask's way."""
        if (
            type(func) is FunctionType
            and not func.__code__.co_flags & CO_COROUTINE
            and "_is_coroutine_marker" not in func.__dict__
        ):
            return func
        return super().ensure_sync(func)


def own(proxy: Any) -> Any:
    """The object behind one of Flask's context proxies (``g``, ``request``, ``session``), for a
    function that reads it several times on every request: each read through the proxy looks
    the context up again (a dozen times in the security headers alone; issue 17)."""
    return proxy._get_current_object()
