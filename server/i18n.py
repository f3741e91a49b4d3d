"""Language choice: an explicit ``?lang=`` in the address, then a persisted cookie, then the
browser's Accept-Language, then German.

A language is a code of ``LANGUAGES`` (``"de"``, ``"en"``); the *locale* it formats dates, times
and numbers in is a regional one (``FORMAT_LOCALES``): English is British English, 24-hour times
and the day before the month ("19 Nov 2026, 19:30"), as a German city's English pages should
read. Translations are looked up by the locale and fall back to the language's catalogue
(``en_GB`` finds ``translations/en``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache, lru_cache
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlencode

from babel import Locale
from babel.support import NullTranslations
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Domain, force_locale, get_locale, get_translations
from jinja2 import Environment, pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from server.extensions import babel
from server.folded_texts import folded_environment
from server.portal_flask import own
from server.template_globals import PortalEnvironment

LANGUAGE_COOKIE = "portal_lang"
LANGUAGE_PARAMETER = "lang"
LANGUAGE_NAMES = {"de": "Deutsch", "en": "English"}
# The locale a language formats in (Babel's name).
FORMAT_LOCALES = {"en": "en_GB"}
# The tag ``<html lang>``, ``hreflang`` and the manifest carry (BCP 47): the English pages are
# British English (spelling and formats), and say so to screen readers and search engines.
LANGUAGE_TAGS = {"de": "de", "en": "en-GB"}
# Where each app keeps the catalogue of each locale (``_kept_locale``).
_CATALOGUES = "portal_catalogues"
# Where each app keeps the template environment of each locale (``_language_environment``).
_ENVIRONMENTS = "portal_language_environments"


def chosen_language() -> str:
    """The visitor's language code (``"de"``, ``"en"``), by the order in the module's docstring."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # a job or a command: the official language
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    current = own(request)
    for chosen in (current.args.get(LANGUAGE_PARAMETER), current.cookies.get(LANGUAGE_COOKIE)):
        if chosen is not None and chosen in languages:
            return str(chosen)
    browser = _browser_language(current.headers.get("Accept-Language", ""), tuple(languages))
    return browser or str(current_app.config["BABEL_DEFAULT_LOCALE"])


@lru_cache(maxsize=256)
def _browser_language(accept_language: str, languages: tuple[str, ...]) -> str | None:
    """The best of ``languages`` for a browser's Accept-Language header. Browsers send a few
    header values again and again; parsing one each time was 6 % of the start page's
    instructions (issue 17)."""
    return parse_accept_header(accept_language, LanguageAccept).best_match(languages)


def select_locale() -> Locale:
    """Flask-Babel's locale selector. A ``Locale`` rather than its name: Flask-Babel parses
    what the selector returns, and a ``Locale`` parses as itself (issue 17)."""
    language = chosen_language()
    return _parsed_locale(FORMAT_LOCALES.get(language, language))


@cache
def _parsed_locale(name: str) -> Locale:
    return Locale.parse(name)


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Texts and formats in ``language`` (a mail to a citizen in the language they used)."""
    known = language if language in current_app.config["LANGUAGES"] else "de"
    with force_locale(FORMAT_LOCALES.get(known, known)):
        yield


def current_language() -> str:
    kept = _kept_locale()
    return kept[0].language if kept else "de"


def current_locale_name() -> str:
    """The locale dates and numbers are written in (``"de"``, ``"en_GB"``); ``""`` outside an
    app's context."""
    kept = _kept_locale()
    return str(kept[0]) if kept else ""


def language_tag() -> str:
    """The current language as ``<html lang>`` names it: ``"de"``, ``"en"``."""
    language = current_language()
    return LANGUAGE_TAGS.get(language, language)


def language_alternates() -> list[tuple[str, str]]:
    """``(hreflang, URL)`` of this page in every language and the ``x-default`` (the address
    without a choice: the visitor's cookie or browser decides), for ``<link rel="alternate">``."""
    base = request.base_url
    others = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    alternates = [
        (LANGUAGE_TAGS.get(code, code), _with_query(base, [*others, (LANGUAGE_PARAMETER, code)]))
        for code in current_app.config["LANGUAGES"]
    ]
    return [*alternates, ("x-default", _with_query(base, others))]


def without_language_parameter(target: str | None) -> str | None:
    """A local redirect target without ``?lang=``: the language just chosen must win."""
    if not target or "?" not in target:
        return target
    path, _, query = target.partition("?")
    pairs = [
        (key, value)
        for key, value in parse_qsl(query, keep_blank_values=True)
        if key != LANGUAGE_PARAMETER
    ]
    return _with_query(path, pairs)


def _with_query(base: str, pairs: list[tuple[str, str]]) -> str:
    return f"{base}?{urlencode(pairs)}" if pairs else base


def _kept_locale(
    look_up: Callable[[], NullTranslations] = get_translations,
) -> tuple[Locale, NullTranslations] | None:
    """The locale in force and its catalogue, as Flask-Babel's ``get_locale()`` and
    ``get_translations()`` find them, kept on ``g`` for the rest of the request: a page asks
    about fifty times, and each of Flask-Babel's look-ups walks the request's context nine
    times (issue 17). What is kept holds while Flask-Babel's locale object on ``g`` is the one
    it was found for; a ``force_locale`` block (``speaking``) sets another, which finds its own.
    None without an app context."""
    try:
        state = own(g)
    except RuntimeError:
        return None
    kept: tuple[SimpleNamespace, Locale, NullTranslations] | None = vars(state).get(
        "_portal_translations"
    )
    if kept is not None and getattr(kept[0], "babel_locale", None) is kept[1]:
        return kept[1], kept[2]
    locale = get_locale()
    if locale is None:
        return None
    # Flask-Babel keeps each locale's catalogue for the life of the process, and finds it
    # again by way of its translation directories' paths on every look-up.
    catalogues: dict[str, NullTranslations] = current_app.extensions[_CATALOGUES]
    translations = catalogues.get(str(locale))
    if translations is None:
        translations = catalogues[str(locale)] = look_up()
    state._portal_translations = (state._flask_babel, locale, translations)
    return locale, translations


def _translations() -> NullTranslations:
    kept = _kept_locale()
    return get_translations() if kept is None else kept[1]


class _KeptDomain(Domain):
    """Flask-Babel's domain with the catalogue kept as for the templates (``_translations``):
    the lazy texts (``lazy_gettext``: the forms' labels, hints, titles and choices) ask it
    every time they are shown, dozens of times on a form's page."""

    def get_translations(self) -> NullTranslations:
        kept = _kept_locale(super().get_translations)
        return super().get_translations() if kept is None else kept[1]


def _language_environment(app_environment: Environment) -> Environment | None:
    """The environment the templates of the locale in force come from, made when first asked:
    the app's, with the fixed texts translated into the locale's catalogue when compiled
    (``server.folded_texts``). None without an app context."""
    kept = _kept_locale()
    if kept is None:
        return None
    locale, catalogue = kept
    environments: dict[str, Environment] = current_app.extensions[_ENVIRONMENTS]
    name = str(locale)
    found = environments.get(name)
    if found is None:
        found = folded_environment(app_environment, name, catalogue)
        if isinstance(found, PortalEnvironment):
            found.language_environment = None  # loads its templates itself
        environments[name] = found
    return found


@pass_eval_context
def _template_gettext(eval_context: EvalContext, string: str, /, **variables: Any) -> str:
    """The templates' ``_()`` and ``gettext()`` as Jinja's i18n extension makes them with
    ``newstyle=True`` (escaped where the template escapes, always a format string), in one
    call: its alias and wrapper cost two more ``Context.call`` each, and a case page has
    thirty-odd texts (issue 17)."""
    text = _translations().ugettext(string)
    if eval_context.autoescape:
        text = Markup(text)  # noqa: S704  # nosec B704  # our catalogue; ``%`` escapes the values
    if not variables and "%" not in text:
        return text  # what ``%`` would give: formatting with nothing to put in is most texts
    return text % variables


def init_i18n(app: Flask) -> None:
    app.extensions[_CATALOGUES] = {}
    app.extensions[_ENVIRONMENTS] = {}
    babel.init_app(
        app, locale_selector=select_locale, default_translation_directories="translations"
    )
    # In place of the domain Flask-Babel would make when first asked (a cached property of
    # the extensions' Babel object, shared by every app of the process as its own would be).
    if not isinstance(vars(babel).get("domain_instance"), _KeptDomain):
        babel.domain_instance = _KeptDomain(domain=app.config.get("BABEL_DOMAIN", "messages"))
    # The templates' _(), ngettext() & co. as Flask-Babel installs them, with the catalogue
    # looked up once per request and locale.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(
        _=_template_gettext,
        gettext=_template_gettext,
        current_language=current_language,
        language_tag=language_tag,
        language_alternates=language_alternates,
        language_names=LANGUAGE_NAMES,
    )
    if isinstance(app.jinja_env, PortalEnvironment):
        app.jinja_env.language_environment = _language_environment
