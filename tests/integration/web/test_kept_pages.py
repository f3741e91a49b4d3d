"""Public pages rendered once per process (issue 17, server/page_cache.py): whoever gets a kept
page still gets their own CSP nonce and a CSRF token that works, their own flashed message and
their own language, and an htmx request its fragment."""

from __future__ import annotations

import re

from flask import Flask, render_template_string
from flask_wtf import FlaskForm

from server.page_cache import CSRF_MARK, NONCE_MARK, kept_page
from server.security import public_page
from tests.checking_client import CheckingClient, csrf_token


def nonce_of(policy: str) -> str:
    found = re.search(r"'nonce-([^']+)'", policy)
    assert found is not None
    return found.group(1)


def test_every_response_has_its_own_nonce(client: CheckingClient) -> None:
    nonces = []
    for _ in range(3):
        response = client.get("/")
        page = response.get_data(as_text=True)
        nonce = nonce_of(response.headers["Content-Security-Policy"])
        assert f'nonce="{nonce}"' in page
        assert f'"inlineScriptNonce":"{nonce}"' in page
        assert NONCE_MARK not in page
        assert CSRF_MARK not in page
        nonces.append(nonce)
    assert len(set(nonces)) == 3


def test_the_token_of_a_kept_page_is_accepted(app: Flask) -> None:
    first_visitor: CheckingClient = app.test_client()  # type: ignore[assignment]
    first_visitor.get("/")  # renders and keeps the page
    visitor: CheckingClient = app.test_client()  # type: ignore[assignment]
    page = visitor.get("/")
    token = csrf_token(page)
    # Meta tag, htmx headers and the language switch's form: all this visitor's one token.
    assert set(re.findall(r'"(I[\w-]+\.[\w-]+\.[\w-]+)"', page.get_data(as_text=True))) == {token}
    switched = visitor.post("/sprache", data={"language": "en", "csrf_token": token, "next": "/"})
    assert switched.status_code == 302
    assert "Parking tickets and fines" in visitor.get("/").get_data(as_text=True)


def test_a_flashed_message_reaches_only_its_visitor(app: Flask) -> None:
    app.test_client().get("/")  # the page is kept before the message exists
    told: CheckingClient = app.test_client()  # type: ignore[assignment]
    with told.session_transaction() as session:
        session["_flashes"] = [("info", "Diese Sitzung ist schon beendet.")]
    assert "Diese Sitzung ist schon beendet." in told.get("/").get_data(as_text=True)
    assert "Diese Sitzung ist schon beendet." not in told.get("/").get_data(as_text=True)
    stranger: CheckingClient = app.test_client()  # type: ignore[assignment]
    assert "Diese Sitzung ist schon beendet." not in stranger.get("/").get_data(as_text=True)


def test_each_search_and_each_language_is_its_own_page(client: CheckingClient) -> None:
    for _ in range(2):
        kita = client.get("/dienste?q=Kita").get_data(as_text=True)
        fines = client.get("/dienste?q=Bußgeld").get_data(as_text=True)
        assert "Kita" in kita
        assert "Knöllchen und Bußgeld" not in kita
        assert "Knöllchen und Bußgeld" in fines
    english = client.get("/dienste", headers={"Accept-Language": "en"}).get_data(as_text=True)
    german = client.get("/dienste", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert 'lang="en' in english
    assert 'lang="de"' in german


def test_htmx_gets_the_fragment_after_the_page_was_kept(client: CheckingClient) -> None:
    client.get("/dienste?q=Kita")
    fragment = client.get("/dienste?q=Kita", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True)
    assert "<html" in client.get("/dienste?q=Kita").get_data(as_text=True)


def test_switched_off_every_request_renders(app: Flask) -> None:
    app.extensions["portal_page_cache"].entries = 0
    client: CheckingClient = app.test_client()  # type: ignore[assignment]
    client.get("/")
    assert not app.extensions["portal_page_cache"]._pages


def test_a_page_with_a_form_of_its_own_is_never_kept(app: Flask) -> None:
    """A form's ``csrf_token`` field asks Flask-WTF itself: its token is the visitor's own."""

    def with_form() -> str:
        return render_template_string("<p>{{ form.csrf_token() }}</p>", form=FlaskForm())

    app.add_url_rule("/probe", view_func=public_page(kept_page(with_form)))
    tokens = set()
    for _ in range(2):
        visitor: CheckingClient = app.test_client()  # type: ignore[assignment]
        page = visitor.get("/probe").get_data(as_text=True)
        assert CSRF_MARK not in page
        tokens.add(re.search(r'value="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    assert len(tokens) == 2
    assert not app.extensions["portal_page_cache"]._pages


def test_a_forms_first_step_is_kept_for_every_new_visitor(app: Flask) -> None:
    """The Kita form's first step without a draft follows from the definition alone: rendered
    once, and each visitor's token still sends their answers."""
    path = "/antraege/kita-anmeldung/kind"
    first: CheckingClient = app.test_client()  # type: ignore[assignment]
    assert first.get(path).status_code == 200
    pages = app.extensions["portal_page_cache"]._pages
    assert any(key.path == path for key in pages)
    visitor: CheckingClient = app.test_client()  # type: ignore[assignment]
    page = visitor.get(path)
    assert CSRF_MARK not in page.get_data(as_text=True)
    assert NONCE_MARK not in page.get_data(as_text=True)
    answers = {"kind_vorname": "Mia", "kind_nachname": "Muster", "kind_geburtsdatum": "2024-03-01"}
    sent = visitor.post(path, data={"csrf_token": csrf_token(page), **answers})
    assert sent.status_code == 303
    # With a draft the step is the visitor's own again: their answer, never kept.
    again = visitor.get(path).get_data(as_text=True)
    assert 'value="Mia"' in again
    assert 'value="Mia"' not in app.test_client().get(path).get_data(as_text=True)


def test_a_step_decided_when_asked_is_never_kept(app: Flask) -> None:
    """Sperrmüll's rules and free days are read when a step is shown: rendered every time."""
    client: CheckingClient = app.test_client()  # type: ignore[assignment]
    for _ in range(2):
        assert client.get("/antraege/sperrmuell/anschrift").status_code == 200
    pages = app.extensions["portal_page_cache"]._pages
    assert not any(key.path.startswith("/antraege/") for key in pages)
