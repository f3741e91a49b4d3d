"""The templates' _() finds the request's catalogue once and keeps it (issue 17), and still
follows a change of language within the request: a mail in the citizen's language rendered
while the page is German (``speaking``), and the page's own language again afterwards."""

from __future__ import annotations

from flask import Flask, render_template_string

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
