"""The rules for a citizen's new password (NIST SP 800-63B: length and a blocklist, no
composition rules)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from server import create_app
from server.auth.password_policy import common_passwords, password_problem


@pytest.fixture
def app() -> Iterator[Flask]:
    app = create_app({"PORTAL_ENV": "testing", "DATABASE_URL": "sqlite://"})
    with app.test_request_context("/"):
        yield app


def test_the_shipped_list_holds_the_usual_suspects(app: Flask) -> None:
    passwords = common_passwords()
    assert len(passwords) > 19_000
    for common in ("123456", "password", "qwerty123456", "iloveyou"):
        assert common in passwords


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "kurz aber zwölf",  # umlauts count as one character each
        "ÄÖÜ äöü ß € 🌞🌞🌞",
        "x" * 1024,
        "nurkleinbuchstabenohneziffern",
    ],
)
def test_any_characters_and_no_composition_rules(app: Flask, password: str) -> None:
    assert password_problem(password, "erika@example.org") is None


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("elf zeichen", "zu kurz"),
        ("x" * 1025, "zu lang"),
        ("QWERTY123456", "häufigsten"),
        ("  qwerty123456  ", "häufigsten"),
        ("erika@example.org", "E-Mail-Adresse"),
        ("ERIKA@EXAMPLE.ORG-2026", "E-Mail-Adresse"),
        ("erika.mustermann1", "E-Mail-Adresse"),
    ],
)
def test_refusals_say_why(app: Flask, password: str, words: str) -> None:
    email = "erika.mustermann@example.org" if "mustermann" in password else "erika@example.org"
    problem = password_problem(password, email)
    assert problem is not None
    assert words in problem


def test_a_short_local_part_is_an_ordinary_syllable(app: Flask) -> None:
    assert password_problem("jolly good fellow", "jo@example.org") is None


def test_minimum_length_is_a_setting(app: Flask) -> None:
    app.config["CITIZEN_PASSWORD_MIN_LENGTH"] = 20
    assert "mindestens 20 Zeichen" in (password_problem("correct horse", None) or "x")
    assert password_problem("correct horse battery staple", None) is None
