"""``portal serve`` makes once, before forking its workers, what each worker would make on its
first requests (``server.warm_start``, issue 17)."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from fpdf import FPDF
from pypdf import PdfReader

from server.extensions import db
from server.payments.proof import PaymentLine, PaymentProof
from server.payments.proof_pdf import render_proof
from server.pdf import fonts
from server.warm_start import warm_start
from tests.conftest import make_test_app

PAGES = ("/", "/zahlungen/", "/bussgeld", "/konto", "/konto/registrieren", "/verwaltung/anmelden")


def _refuse(what: str) -> Any:
    def refused(*_args: object, **_kwargs: object) -> None:
        raise AssertionError(f"{what} after the warm start")

    return refused


def test_after_a_warm_start_pages_need_no_template_loaded_in_either_language(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = warm_start(app)
    names = app.jinja_env.list_templates()
    assert started.templates == 2 * len(names)
    # Kept in a plain dictionary: Jinja's LRU searched its whole queue on every look-up.
    for environment in app.extensions["portal_language_environments"].values():
        assert type(environment.cache) is dict
        assert len(environment.cache) == len(names)
    assert app.jinja_env.loader is not None
    monkeypatch.setattr(app.jinja_env.loader, "load", _refuse("a template loaded"))
    client = app.test_client()
    for path in (
        "/",
        "/zahlungen/",
        "/bussgeld",
        "/konto",
        "/konto/registrieren",
        "/verwaltung/anmelden",
    ):
        german = client.get(path, headers={"Accept-Language": "de"})
        english = client.get(f"{path}?lang=en")
        assert german.status_code == english.status_code == 200, path
        assert 'lang="de"' in german.text
        assert 'lang="en-GB"' in english.text


def test_after_a_warm_start_a_pdf_parses_no_font(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    fonts.forget_parsed_fonts()
    assert warm_start(app).fonts == len(fonts.FONT_FILES)
    monkeypatch.setattr(FPDF, "add_font", _refuse("a font parsed"))
    paid_at = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
    proof = PaymentProof(
        kassenzeichen="5500 0000 0042",
        description="Verwarnungsgeld BG-2026-000042",
        debtor_name="Jürgen Weiß",
        amount_cents=2500,
        paid_at=paid_at,
        lines=(PaymentLine(paid_at, "Online-Zahlung (PayPal)", 2500, "PAY-1"),),
    )
    with app.test_request_context("/"):
        document = render_proof(proof)
    text = PdfReader(BytesIO(document)).pages[0].extract_text()
    assert "Jürgen Weiß" in text
    assert "25,00 €" in text


def test_a_warm_start_leaves_no_database_connection_for_the_workers(app: Flask) -> None:
    """The engine has made its first connection (the driver's set-up is done) and closed it:
    a worker forked now must not share its master's connection."""
    assert warm_start(app).database is True
    with app.app_context():
        assert db.engine.dialect.server_version_info is not None
        assert db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
        assert db.engine.pool.checkedin() == 0  # type: ignore[attr-defined]
    # The workers connect on their own.
    assert app.test_client().get("/readyz").status_code == 200


def test_a_server_starts_while_the_database_is_down() -> None:
    """Workers connect when the database is back, as after any outage."""
    down = make_test_app("postgresql+psycopg://portal@127.0.0.1:1/portal")
    started = warm_start(down)
    assert started.database is False
    assert started.templates > 0
    assert down.test_client().get("/").status_code == 200


def test_a_warm_start_hashes_every_static_file(app: Flask) -> None:
    started = warm_start(app)
    static = Path(app.static_folder or "")
    assert started.static_files == sum(1 for path in static.rglob("*") if path.is_file())
    assert started.static_files > 0
