"""Every log line of a request carries the same request id: the proxy's ``X-Request-Id`` when it
sent a usable one, else one the portal makes; another request gets another id."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from flask import Flask

from server.extensions import db
from server.logs import get_logger
from tests.conftest import make_test_app


class Collect(logging.Handler):
    def __init__(self, formatter: logging.Formatter | None) -> None:
        super().__init__()
        self.setFormatter(formatter)
        self.lines: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def logging_app(backend: str) -> Iterator[tuple[Flask, Collect]]:
    app = make_test_app(backend, LOG_FORMAT="json")

    def two_lines() -> str:
        log = get_logger("test")
        log.info("first")
        log.info("second")
        return "ok"

    app.add_url_rule("/test/two-lines", view_func=two_lines)
    portal_logger = logging.getLogger("portal")
    collect = Collect(portal_logger.handlers[0].formatter)
    portal_logger.addHandler(collect)
    yield app, collect
    portal_logger.removeHandler(collect)
    with app.app_context():
        db.engine.dispose()


def _ids(collect: Collect) -> list[object]:
    ids = [line["request_id"] for line in collect.lines if line["event"] in ("first", "second")]
    collect.lines.clear()
    return ids


def test_the_proxys_request_id_is_on_every_line(logging_app: tuple[Flask, Collect]) -> None:
    app, collect = logging_app
    client = app.test_client()
    client.get("/test/two-lines", headers={"X-Request-Id": "edge-4711"})
    assert _ids(collect) == ["edge-4711", "edge-4711"]


def test_without_a_usable_one_each_request_gets_its_own(
    logging_app: tuple[Flask, Collect],
) -> None:
    app, collect = logging_app
    client = app.test_client()
    client.get("/test/two-lines")
    first = _ids(collect)
    client.get("/test/two-lines", headers={"X-Request-Id": "x" * 65})  # too long to keep
    second = _ids(collect)
    assert len(set(first)) == 1
    assert len(set(second)) == 1
    assert first[0] != second[0]
    for made in (first[0], second[0]):
        assert isinstance(made, str)
        assert len(made) == 32
