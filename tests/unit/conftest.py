from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from server import create_app


@pytest.fixture
def app_context() -> Iterator[Flask]:
    """An app without a database, for logic that only needs translations and config."""
    app = create_app({"PORTAL_ENV": "testing", "DATABASE_URL": "sqlite://"})
    with app.test_request_context("/"):
        yield app
