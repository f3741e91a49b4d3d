"""Fixed texts translated when a template is compiled (issue 17): a template of a language's
environment prints what ``_()`` would have printed at rendering, for every kind of text, and
only the texts that read the same either way are folded."""

from __future__ import annotations

from typing import Any

import pytest
from babel.support import NullTranslations
from flask import Flask
from jinja2 import DictLoader
from markupsafe import Markup

from server.folded_texts import folded_environment
from server.template_globals import PortalEnvironment

CATALOGUE = {
    "Bezahlen": "Pay",
    "Nicht einverstanden?": "Don't agree?",
    "Kita & Schule": "Nursery & school",
    "100 %% online": "100 %% online",
    "Guten Tag, %(name)s": "Hello, %(name)s",
    "Fotos": "<b>Photos</b>",
}


class Catalogue(NullTranslations):
    """A Babel catalogue with the texts above."""

    def ugettext(self, message: str) -> str:
        return CATALOGUE.get(message, message)


def _environment(templates: dict[str, str]) -> PortalEnvironment:
    app = Flask(__name__)
    app.jinja_environment = PortalEnvironment
    environment = app.jinja_env  # autoescapes .html, not .txt
    assert isinstance(environment, PortalEnvironment)
    environment.loader = DictLoader(templates)

    def gettext(string: str, /, **values: Any) -> str:
        # server.i18n's _template_gettext with this catalogue, in an HTML template
        text = Markup(Catalogue().ugettext(string))  # noqa: S704  # the test's own texts
        return text % values if values or "%" in text else text

    environment.globals.update(_=gettext, gettext=gettext)
    return environment


def _folded(templates: dict[str, str]) -> tuple[PortalEnvironment, Any]:
    app_environment = _environment(templates)
    return app_environment, folded_environment(app_environment, "en_GB", Catalogue())


@pytest.mark.parametrize(
    "source",
    [
        "{{ _('Bezahlen') }}",
        '{{ gettext("Bezahlen") }}',
        "{{ _('Nicht einverstanden?') }}",
        "{{ _('Kita & Schule') }}",
        "{{ _('100 %% online') }}",
        "{{ _('Guten Tag, %(name)s', name='Kim & Co') }}",
        "{{ _('Fotos') }}",
        "<p title=\"{{ _('Bezahlen') }}\">{{ _('Nicht einverstanden?') ~ '!' }}</p>",
        "{% macro box(title) %}<h2>{{ title }}</h2>{% endmacro %}{{ box(_('Bezahlen')) }}",
        "{{ _('Bezahlen') if true else _('Fotos') }}",
        "{{ _('Unbekannt') }}",
    ],
)
def test_a_folded_template_prints_what_the_call_at_rendering_prints(source: str) -> None:
    app_environment, language = _folded({"page.html": source, "mail.txt": source})
    for name in ("page.html", "mail.txt"):
        assert language.get_template(name).render() == (
            app_environment.get_template(name).render()
        ), name


def test_only_a_text_that_reads_the_same_is_folded() -> None:
    _, language = _folded({})
    code = language.compile(
        "{{ _('Bezahlen') }}{{ _('Nicht einverstanden?') }}{{ _('Kita & Schule') }}"
        "{{ _('100 %% online') }}{{ _('Guten Tag, %(name)s', name=n) }}{{ _('Fotos') }}",
        raw=True,
    )
    assert "Pay" in code
    assert "'Bezahlen'" not in code
    for asked_at_rendering in ("Nicht einverstanden?", "Kita & Schule", "100 %% online", "Fotos"):
        assert repr(asked_at_rendering) in code
    assert "'Guten Tag, %(name)s'" in code


def test_an_attribute_of_the_same_name_is_not_a_text() -> None:
    _, language = _folded({"page.html": "{{ texts._('Bezahlen') }}"})

    class Texts:
        def _(self, text: str) -> str:
            return f"[{text}]"

    assert language.get_template("page.html").render(texts=Texts()) == "[Bezahlen]"


def test_the_app_s_environment_hands_templates_to_the_chosen_language() -> None:
    app_environment, language = _folded({"page.html": "{{ _('Bezahlen') }}"})
    assert app_environment.get_template("page.html").render() == "Pay"  # asked at rendering
    app_environment.language_environment = lambda _environment: language
    chosen = app_environment.get_or_select_template(["missing.html", "page.html"])
    assert chosen.environment is language
    assert app_environment.get_template("page.html").environment is language
