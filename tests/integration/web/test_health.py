from __future__ import annotations

from tests.checking_client import CheckingClient
from tests.conftest import make_test_app


def test_healthz_is_ok_when_the_database_answers(client: CheckingClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable() -> None:
    app = make_test_app("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=1")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "unreachable"}
