"""The templates' date filters keep what they write, and write what Flask-Babel writes: in the
language and zone in force, never an earlier request's."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import flask_babel
import pytest
from flask import Flask, render_template_string

from server import create_app
from server.i18n import speaking

MOMENT = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 01:30 in Berlin, the night the clocks go on


def _app(**config: object) -> Flask:
    return create_app({"PORTAL_ENV": "testing", "DATABASE_URL": "sqlite://", **config})


def _render(app: Flask, source: str, language: str = "de", **values: object) -> str:
    with app.test_request_context("/", headers={"Accept-Language": language}):
        return render_template_string(source, **values)


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ('{{ v|datetimeformat("short") }}', MOMENT),
        ('{{ v|datetimeformat("full") }}', MOMENT),
        ('{{ v|datetimeformat("HH:mm") }}', MOMENT.replace(tzinfo=None)),  # naive: UTC
        ("{{ v|datetimeformat }}", MOMENT.astimezone(timezone(timedelta(hours=-5)))),
        ("{{ v|dateformat }}", date(2026, 12, 24)),
        ('{{ v|dateformat("full") }}', date(2026, 12, 24)),
        ('{{ v|dateformat("medium") }}', MOMENT),
        ('{{ v|timeformat("short") }}', time(14, 5)),
    ],
)
@pytest.mark.parametrize("language", ["de", "en"])
def test_a_kept_date_reads_as_flask_babel_writes_it(
    source: str, value: object, language: str
) -> None:
    app = _app()
    plain = Flask(__name__)
    plain.config["BABEL_DEFAULT_TIMEZONE"] = "Europe/Berlin"
    flask_babel.Babel(plain)
    with (
        plain.test_request_context("/"),
        flask_babel.force_locale("en_GB" if language == "en" else "de"),
    ):
        expected = render_template_string(source, v=value)
    assert _render(app, source, language, v=value) == expected
    assert _render(app, source, language, v=value) == expected  # the kept text


def test_the_same_moment_is_written_in_each_language_and_in_a_mail_s_language() -> None:
    app = _app()
    source = '{{ v|datetimeformat("full") }}'
    german = _render(app, source, "de", v=MOMENT)
    english = _render(app, source, "en", v=MOMENT)
    assert "Sonntag" in german
    assert "Sunday" in english
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        render_template_string(source, v=MOMENT)
        with speaking("en"):
            assert render_template_string(source, v=MOMENT) == english
        assert render_template_string(source, v=MOMENT) == german


def test_each_city_writes_its_own_time() -> None:
    source = '{{ v|datetimeformat("HH:mm") }}'
    assert _render(_app(), source, v=MOMENT) == "01:30"
    assert _render(_app(CITY_TIMEZONE="Europe/Lisbon"), source, v=MOMENT) == "00:30"
    assert _render(_app(), source, v=MOMENT) == "01:30"


def test_one_instant_not_rebased_is_written_in_its_own_zone() -> None:
    app = _app()
    source = '{{ v|datetimeformat("HH:mm", rebase=false) }}'
    in_tokyo = MOMENT.astimezone(ZoneInfo("Asia/Tokyo"))
    assert in_tokyo == MOMENT
    assert _render(app, source, v=MOMENT) == "00:30"
    assert _render(app, source, v=in_tokyo) == "09:30"


def test_now_is_never_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app()
    moments = iter(datetime(2026, 1, 1, 11, minute, tzinfo=UTC) for minute in (0, 1))

    class Clock(datetime):
        @classmethod
        def now(cls, tz: object = None) -> datetime:  # type: ignore[override]
            return next(moments)

        @classmethod
        def utcnow(cls) -> datetime:  # type: ignore[override]
            return next(moments).replace(tzinfo=None)

    monkeypatch.setattr("babel.dates.datetime.datetime", Clock)
    source = '{{ none|datetimeformat("HH:mm") }}'
    assert [_render(app, source), _render(app, source)] == ["12:00", "12:01"]


def test_with_the_setting_at_zero_flask_babel_writes_every_date() -> None:
    app = _app(DATE_TEXTS_KEPT=0)
    assert app.jinja_env.filters["datetimeformat"] is flask_babel.format_datetime
    assert _render(app, '{{ v|datetimeformat("HH:mm") }}', v=MOMENT) == "01:30"
