"""Language choice: a persisted cookie first, then the browser's Accept-Language, then German."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import get_locale

from server.extensions import babel

LANGUAGE_COOKIE = "portal_lang"
LANGUAGE_NAMES = {"de": "Deutsch", "en": "English"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen is not None and chosen in languages:
        return chosen
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale else "de"


def init_i18n(app: Flask) -> None:
    babel.init_app(
        app, locale_selector=select_locale, default_translation_directories="translations"
    )
    app.jinja_env.globals.update(current_language=current_language, language_names=LANGUAGE_NAMES)
