from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    make_response,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import generate_csrf

from server.auth.session import current_citizen
from server.extensions import db
from server.i18n import LANGUAGE_COOKIE, LANGUAGE_PARAMETER, without_language_parameter
from server.page_cache import kept_page
from server.rendering import redirect_page, render_page
from server.security import public_page, public_resource, safe_redirect_target
from server.web.catalogue import find_service, search_services
from server.web.draft_key import session_draft_key
from server.web.pwa import manifest as build_manifest
from server.web.pwa import service_worker_script

bp = Blueprint("web", __name__)

MAX_QUERY_LENGTH = 100


@bp.route("/")
@public_page
@public_resource  # nothing of the session in it: kept for offline use, also when logged in
@kept_page
def start() -> str:
    return render_template("views/web/start.html")


@bp.route("/dienste")
@public_page
@kept_page
def catalogue() -> str:
    query = request.args.get("q", "").strip()[:MAX_QUERY_LENGTH]
    return render_page(
        "views/web/catalogue.html",
        "partials/web/service_list.html",
        services=search_services(query),
        query=query,
    )


@bp.route("/dienste/<slug>")
@public_page
@kept_page
def service(slug: str) -> str:
    found = find_service(slug)
    if found is None:
        abort(404)
    return render_template("views/web/service.html", service=found)


@bp.route("/offline")
@public_page
@kept_page
def offline() -> str:
    return render_template("views/web/offline.html")


@bp.route("/sprache", methods=["POST"])
def switch_language() -> ResponseReturnValue:
    language = request.form.get("language", "")
    if language not in current_app.config["LANGUAGES"]:
        abort(400)
    target = without_language_parameter(safe_redirect_target(request.form.get("next")))
    response = redirect_page(target or url_for("web.start"))
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
    )
    return response


@bp.route("/manifest.webmanifest")
@public_resource
def manifest() -> Response:
    """German at its plain address (what the service worker keeps), another language at
    ``?lang=<code>``, which an English page links: the same bytes for everybody per address."""
    language = request.args.get(LANGUAGE_PARAMETER, "")
    if language not in current_app.config["LANGUAGES"]:
        language = current_app.config["BABEL_DEFAULT_LOCALE"]
    response = jsonify(build_manifest(language))
    response.mimetype = "application/manifest+json"
    return response


@bp.route("/sw.js")
@public_resource
def service_worker() -> Response:
    response = make_response(service_worker_script())
    response.mimetype = "text/javascript"
    # The browser must see every new version at once; the worker's own caches do the rest.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/entwuerfe/schluessel")
def draft_key() -> Response:
    """This session's key for the drafts kept in the browser (see ``server.web.draft_key``), a
    fresh CSRF token for sending the submissions queued while offline, and whether a citizen is
    logged in (whose drafts the server keeps too)."""
    extra = {"csrf": generate_csrf(), "citizen": current_citizen() is not None}
    response = jsonify(session_draft_key().as_json() | extra)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/healthz")
def healthz() -> ResponseReturnValue:
    if db.ping():
        return jsonify(status="ok", database="ok"), 200
    return jsonify(status="unavailable", database="unreachable"), 503
