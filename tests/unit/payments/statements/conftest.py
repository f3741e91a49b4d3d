from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "statements"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def line_of(data: bytes, needle: str, occurrence: int = 1) -> int:
    """The 1-based line on which ``needle`` occurs for the ``occurrence``-th time."""
    text = data.decode("utf-8")
    position = -1
    for _ in range(occurrence):
        position = text.index(needle, position + 1)
    return text.count("\n", 0, position) + 1


class Schemas:
    """The official ISO 20022 camt.053 schemas (XSD), as published by ISO/SWIFT."""

    def __init__(self) -> None:
        self._cache: dict[str, etree.XMLSchema] = {}

    def validate(self, data: bytes, version: str) -> None:
        schema = self._cache.get(version)
        if schema is None:
            path = FIXTURES / "xsd" / f"camt.053.{version}.xsd"
            schema = self._cache[version] = etree.XMLSchema(etree.parse(str(path)))
        document = etree.fromstring(data)
        assert schema.validate(document), schema.error_log.filter_from_errors()


SCHEMAS = Schemas()


@pytest.fixture
def schemas() -> Schemas:
    return SCHEMAS
