"""The portal's Jinja environment: a template sees the environment's globals and its own, also
in what it imports."""

from __future__ import annotations

from flask import Flask
from jinja2 import DictLoader

from server.template_globals import PortalEnvironment, TemplateGlobals


def _environment() -> PortalEnvironment:
    app = Flask(__name__)
    app.jinja_environment = PortalEnvironment
    environment = app.jinja_env
    assert isinstance(environment, PortalEnvironment)
    environment.loader = DictLoader(
        {
            "macros.html": "{% macro greet() %}{{ salutation }} {{ city }}{% endmacro %}",
            "page.html": '{% from "macros.html" import greet %}{{ greet() }}',
        }
    )
    environment.globals["salutation"] = "Moin"
    return environment


def test_an_imported_template_sees_the_importing_templates_globals() -> None:
    """Jinja compares the two templates' global names on each import: the page's own global
    (``city``) is one the macros' template lacks, so its module is made with it."""
    environment = _environment()
    page = environment.get_template("page.html", globals={"city": "Musterstadt"})
    assert page.render() == "Moin Musterstadt"
    assert environment.get_template("page.html").render() == "Moin Musterstadt"
    other = environment.from_string('{% from "macros.html" import greet %}{{ greet() }}')
    assert other.render() == "Moin "


def test_the_names_of_both_maps() -> None:
    names = TemplateGlobals({"own": 1}, {"shared": 2, "own": 3}).keys()
    assert set(names) == {"own", "shared"}
    assert {"own", "shared", "other"} - names == {"other"}
