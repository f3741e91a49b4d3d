"""The portal's CSRF token is the one Flask-WTF makes: the same bytes for the same secret and
second, accepted by Flask-WTF's check, and one token per request whoever asks first."""

from __future__ import annotations

import secrets

import pytest
from flask import Flask, session
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms import ValidationError

from server.csrf_tokens import CSRF_FIELD, request_token


def _app() -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY=secrets.token_hex(16), WTF_CSRF_TIME_LIMIT=None)
    return app


def test_the_token_is_flask_wtfs_for_the_same_secret_and_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("time.time", lambda: 1_796_000_000.0)
    app = _app()
    with app.test_request_context("/"):
        ours = request_token()
        secret = session[CSRF_FIELD]
    with app.test_request_context("/"):
        session[CSRF_FIELD] = secret
        assert generate_csrf() == ours


def test_flask_wtf_accepts_it_and_refuses_it_for_another_session() -> None:
    app = _app()
    with app.test_request_context("/"):
        token = request_token()
        validate_csrf(token)
        session[CSRF_FIELD] = "0" * 40
        with pytest.raises(ValidationError):
            validate_csrf(token)


def test_one_request_has_one_token_whoever_asks_first() -> None:
    app = _app()
    with app.test_request_context("/"):
        first = generate_csrf()
        assert request_token() == first
    with app.test_request_context("/"):
        first = request_token()
        assert generate_csrf() == first
        assert request_token() == first


def test_a_new_key_signs_with_the_new_key() -> None:
    app = _app()
    with app.test_request_context("/"):
        request_token()
    app.config["SECRET_KEY"] = app.secret_key = secrets.token_hex(16)
    with app.test_request_context("/"):
        token = request_token()
        validate_csrf(token)
