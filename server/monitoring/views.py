"""``/metrics`` (Prometheus, behind ``METRICS_TOKEN``) and ``/readyz`` (public)."""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, current_app, jsonify, request

from server.extensions import limiter
from server.monitoring.metrics import exposition
from server.monitoring.readiness import readiness, ready

bp = Blueprint("monitoring", __name__)


def _bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@bp.route("/metrics")
@limiter.exempt
def metrics() -> Response:
    expected: str = current_app.config["METRICS_TOKEN"]
    if not expected:
        abort(404)  # switched off: as if there were no such page
    if not hmac.compare_digest(_bearer_token().encode(), expected.encode()):
        response = Response("unauthorized\n", status=401, mimetype="text/plain")
        response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        response.headers["Cache-Control"] = "no-store"
        return response
    body, content_type = exposition()
    response = Response(body, content_type=content_type)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/readyz")
@limiter.exempt
def readyz() -> tuple[Response, int]:
    checks = readiness()
    is_ready = ready(checks)
    response = jsonify(status="ok" if is_ready else "unavailable", checks=checks)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if is_ready else 503
