"""The templates' _() finds the request's catalogue once and keeps it (issue 17), and still
follows a change of language within the request: a mail in the citizen's language rendered
while the page is German (``speaking``), and the page's own language again afterwards. A
template loaded by name has its fixed texts translated when it is compiled, once per language
(``server.folded_texts``), and follows the language in force just the same."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, render_template_string
from jinja2 import ChoiceLoader, DictLoader

from server.i18n import speaking

TEXTS = "{{ _('Startseite') }}|{{ ngettext('%(num)s Tag', '%(num)s Tage', 2) }}"


def test_a_template_speaks_the_language_in_force(app: Flask) -> None:
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        assert render_template_string(TEXTS).startswith("Startseite|")
        with speaking("en"):
            assert render_template_string(TEXTS).startswith("Home|")
        assert render_template_string(TEXTS).startswith("Startseite|")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string(TEXTS).startswith("Home|")
        with speaking("de"):
            assert render_template_string(TEXTS) == "Startseite|2 Tage"


def test_outside_a_request_a_template_speaks_german(app: Flask) -> None:
    with app.app_context():
        assert render_template_string(TEXTS) == "Startseite|2 Tage"


def test_a_text_is_escaped_where_the_template_escapes_and_filled_in_everywhere(
    app: Flask,
) -> None:
    """As Jinja's i18n extension does it (``newstyle``): the filled-in value is escaped in an
    HTML page, not in a plain-text mail."""
    text = "{{ _('Guten Tag, %(name)s', name=name) }}"
    both = f"{text}|{{% autoescape false %}}{text}{{% endautoescape %}}"
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        assert render_template_string(both, name="Kim & <Co>") == (
            "Guten Tag, Kim &amp; &lt;Co&gt;|Guten Tag, Kim & <Co>"
        )


def test_the_browser_s_preference_chooses_the_language_each_time(app: Flask) -> None:
    for header, home in (
        ("en-GB,en;q=0.9,de;q=0.8", "Home"),
        ("de-DE,de;q=0.9,en;q=0.5", "Startseite"),
        ("fr-FR,fr;q=0.9,en;q=0.5", "Home"),
        ("fr-FR", "Startseite"),
        ("en-GB,en;q=0.9,de;q=0.8", "Home"),
    ):
        with app.test_request_context("/", headers={"Accept-Language": header}):
            assert render_template_string("{{ _('Startseite') }}") == home, header


def test_a_text_without_values_reads_as_jinjas_own_gettext_gives_it(app: Flask) -> None:
    """Formatting is skipped for a text without ``%`` and without values: a ``%%`` still
    comes out as one ``%``, in an HTML page and in a plain-text mail."""
    text = "{{ _('100 %% online') }}|{{ _('Kim & Co') }}"
    both = f"{text}|{{% autoescape false %}}{text}{{% endautoescape %}}"
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        assert render_template_string(both) == "100 % online|Kim & Co|100 % online|Kim & Co"


PROBE = "{{ _('Startseite') }}|{{ _('Kita & Schule') }}|" + TEXTS


def _with_probe(app: Flask) -> None:
    loader = app.jinja_env.loader
    assert loader is not None
    app.jinja_env.loader = ChoiceLoader(
        [DictLoader({"probe.html": PROBE, "probe.txt": PROBE}), loader]
    )


def _rendered(name: str) -> str:
    """The template loaded by name, which reads the same as one made from its text."""
    loaded = render_template(name)
    assert loaded == render_template_string(PROBE)
    return loaded


def test_a_template_loaded_by_name_speaks_each_request_s_language(app: Flask) -> None:
    _with_probe(app)
    for header, home in (("de", "Startseite|"), ("en", "Home|"), ("de", "Startseite|")):
        with app.test_request_context("/", headers={"Accept-Language": header}):
            assert _rendered("probe.html").startswith(home), header
            assert render_template("probe.txt") == _rendered("probe.html")
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        with speaking("en"):
            assert _rendered("probe.html").startswith("Home|")
        assert _rendered("probe.html").startswith("Startseite|")
    with app.app_context():
        assert _rendered("probe.html").startswith("Startseite|")


def test_a_fixed_text_is_not_looked_up_at_rendering(app: Flask) -> None:
    _with_probe(app)
    asked: list[str] = []
    gettext: Any = app.jinja_env.globals["_"]

    def counting(*arguments: Any, **values: Any) -> Any:
        asked.append(arguments[-1])
        return gettext(*arguments, **values)

    counting.jinja_pass_arg = gettext.jinja_pass_arg  # type: ignore[attr-defined]
    app.jinja_env.globals["_"] = counting
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template("probe.html").startswith("Home|")
        assert render_template_string("{{ _('Startseite') }}") == "Home"
    # Asked: the text with & (escaped in HTML), and the text of the template made from a string.
    assert asked == ["Kita & Schule", "Startseite"]
