"""The legal pages (``server.web.legal``): one URL each, linked from every page's footer."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Flask, Response, abort, current_app, render_template, send_file
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from server.i18n import current_language
from server.security import public_page, public_resource
from server.web import legal

bp = Blueprint("legal", __name__)

VIDEOS_KEY = "portal.sign_language_videos"

#: page (content file and endpoint) -> (address, title)
PAGES: dict[str, tuple[str, LazyString]] = {
    "impressum": ("/impressum", _l("Impressum")),
    "datenschutz": ("/datenschutz", _l("Datenschutzhinweise")),
    "barrierefreiheit": ("/barrierefreiheit", _l("Erklärung zur Barrierefreiheit")),
    "leichte-sprache": ("/leichte-sprache", _l("Leichte Sprache")),
    "gebaerdensprache": ("/gebaerdensprache", _l("Gebärdensprache")),
}


def init_legal(app: Flask) -> None:
    """Reads the city's sign-language videos once; a broken ``videos.json`` refuses the start."""
    app.extensions[VIDEOS_KEY] = legal.load_sign_language_videos(app.config["LEGAL_CONTENT_DIR"])
    app.register_blueprint(bp)


def _videos() -> tuple[legal.SignLanguageVideo, ...]:
    videos: tuple[legal.SignLanguageVideo, ...] = current_app.extensions[VIDEOS_KEY]
    return videos


def _page_view(page: str) -> Callable[[], str]:
    def view() -> str:
        override = current_app.config["LEGAL_CONTENT_DIR"]
        language = current_language()
        context: dict[str, object] = {}
        if page == "gebaerdensprache":
            context["videos"] = [
                (video, legal.transcript(override, video, language)) for video in _videos()
            ]
        return render_template(
            "views/web/legal.html",
            page=page,
            title=PAGES[page][1],
            content=legal.page_text(page, language, override),
            language=language,
            **context,
        )

    view.__name__ = page.replace("-", "_")
    return public_page(view)


for _page, (_address, _title) in PAGES.items():
    bp.add_url_rule(_address, view_func=_page_view(_page))


@bp.route("/gebaerdensprache/dateien/<name>")
@public_resource
def sign_language_file(name: str) -> Response:
    """A video, its captions, transcript or poster, only if ``videos.json`` names it."""
    try:
        path = legal.sign_language_file(current_app.config["LEGAL_CONTENT_DIR"], _videos(), name)
    except LookupError:
        abort(404)
    mimetype = legal.MEDIA_TYPES.get(path.suffix.lower(), "text/plain; charset=utf-8")
    return send_file(path, mimetype=mimetype, conditional=True, max_age=3600)
