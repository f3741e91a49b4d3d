"""One live portal per test module and database: the scenarios of a module share it (and its
logged-in browsers); each scenario makes its own records and counts only those."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.concurrency.harness import Portal, portal_for


@pytest.fixture(scope="module")
def portal(backend: str) -> Iterator[Portal]:
    with portal_for(backend) as live:
        yield live
