"""One live portal per test module and database: the scenarios of a module share it (and its
logged-in browsers); each scenario makes its own records and counts only those."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from server.auth import passwords
from tests.integration.concurrency.harness import Portal, portal_for


@pytest.fixture(scope="module")
def cheap_password_hashes() -> Iterator[None]:
    """Argon2 at its cheapest while the module runs: dozens of logins per scenario, and the
    hash's cost is not what these tests are about (the server runs in this process)."""
    real = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    try:
        yield
    finally:
        passwords._hasher = real


@pytest.fixture(scope="module")
def portal(backend: str, cheap_password_hashes: None) -> Iterator[Portal]:
    with portal_for(backend) as live:
        yield live
