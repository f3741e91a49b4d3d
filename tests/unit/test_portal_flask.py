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


def _linked_app() -> PortalFlask:
    from flask import Blueprint

    app = PortalFlask(__name__)
    for name in ("one", "two"):
        blueprint = Blueprint(name, __name__, url_prefix=f"/{name}")
        blueprint.add_url_rule("/page", "page", lambda: "")
        blueprint.add_url_rule("/case/<aktenzeichen>", "case", lambda aktenzeichen: "")
        app.register_blueprint(blueprint)
    return app


def test_a_kept_url_is_the_one_flask_builds() -> None:
    """Built twice (the second time from what was kept), each URL is Flask's own; script root,
    blueprint of a relative endpoint and the type of a value each give a URL of their own."""
    from flask import Flask

    app = _linked_app()
    calls: list[tuple[str, dict[str, Any]]] = [
        ("one.page", {}),
        ("one.page", {"q": "a b&c", "seite": 2}),
        ("one.page", {"flag": True}),
        ("one.page", {"flag": 1}),
        ("two.case", {"aktenzeichen": "BG-2026-000001"}),
        (".page", {}),
        ("one.page", {"tag": ["a", "b"]}),
        ("one.page", {"_anchor": "top"}),
        ("one.page", {"_external": True}),
    ]
    for root, path in (("", "/one/page"), ("/portal", "/two/page"), ("", "/two/page")):
        for _ in range(2):
            with app.test_request_context(path, base_url=f"http://city.example{root}"):
                ours = [app.url_for(endpoint, **values) for endpoint, values in calls]
                flasks = [Flask.url_for(app, endpoint, **values) for endpoint, values in calls]
                assert ours == flasks
                assert ours[5] == f"{root}{path}"
                assert ours[2] != ours[3]
                assert ours[6].endswith("?tag=a&tag=b")


def test_a_url_defaults_function_makes_every_url_be_built() -> None:
    app = _linked_app()
    with app.test_request_context("/one/page"):
        assert app.url_for("one.page") == "/one/page"
    app.url_defaults(lambda endpoint, values: values.setdefault("lang", "en"))
    with app.test_request_context("/one/page"):
        assert app.url_for("one.page") == "/one/page?lang=en"


def test_the_kept_urls_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("server.portal_flask.URLS_KEPT", 3)
    app = _linked_app()
    with app.test_request_context("/one/page"):
        urls = [app.url_for("one.case", aktenzeichen=f"BG-{n}") for n in range(10)]
        assert urls == [f"/one/case/BG-{n}" for n in range(10)]
        assert len(app._urls) <= 3
