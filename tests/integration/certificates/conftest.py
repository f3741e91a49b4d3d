"""The certificate order's fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from server.certificates.documents import DocumentKind
from server.extensions import db
from tests.conftest import empty_all_tables, make_test_app

EVERY_DOCUMENT = ",".join(kind.value for kind in DocumentKind)


@pytest.fixture
def lowered_app(backend: str) -> Iterator[Flask]:
    """The portal where the city lowered the level for every document (§ 6 Abs. 3 PStV asks
    for "high"): a password login orders with a copy of the ID."""
    app = make_test_app(backend, CERTIFICATE_LOWER_LEVEL_DOCUMENTS=EVERY_DOCUMENT)
    yield app
    with app.app_context():
        db.engine.dispose()
    empty_all_tables(backend)
