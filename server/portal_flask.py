"""Flask as the portal runs it: its Flask class, with a cheaper check that a hook or view is
synchronous and the URLs of a request kept once built, and ``own``, the object behind a
context proxy."""

from __future__ import annotations

from collections.abc import Callable
from inspect import CO_COROUTINE
from types import FunctionType
from typing import Any

from flask import Flask, has_request_context, request

# Each process keeps at most this many built URLs; then it starts again from none.
URLS_KEPT = 4096


class PortalFlask(Flask):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[tuple[Any, ...], str] = {}

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,
    ) -> str:
        """Flask's URL, kept once built for a link within a request (about 20 µs each, nine on
        a fine case page; issue 17). Such a URL follows from the request's script root, its
        blueprint (for ``.endpoint``), the endpoint and the values alone while no
        ``url_defaults`` function is registered; anything else is built each time."""
        if (
            not has_request_context()
            or _anchor is not None
            or _method is not None
            or _scheme is not None
            or _external
            or self.url_default_functions
        ):
            return super().url_for(
                endpoint,
                _anchor=_anchor,
                _method=_method,
                _scheme=_scheme,
                _external=_external,
                **values,
            )
        current = own(request)
        key = (
            current.root_path,
            current.blueprint if endpoint[:1] == "." else None,
            endpoint,
            # The type too: True and 1 are equal keys, and give different URLs.
            *sorted((name, type(value), value) for name, value in values.items()),
        )
        try:
            url = self._urls.get(key)
        except TypeError:  # a value that cannot be a key (a list for a repeated parameter)
            return super().url_for(endpoint, **values)
        if url is None:
            url = super().url_for(endpoint, **values)
            if len(self._urls) >= URLS_KEPT:
                self._urls.clear()
            self._urls[key] = url
        return url

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
