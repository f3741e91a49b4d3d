"""The public list of reported defects (``/maengelmelder/``), filtered by category."""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from server.maengel.definition import CATEGORIES, SLUG
from server.maengel.reports import public_reports
from server.rendering import render_page
from server.security import public_page

bp = Blueprint("maengel", __name__, url_prefix="/maengelmelder")


@bp.route("/")
@public_page
def public_list() -> ResponseReturnValue:
    chosen = request.args.get("kategorie", "").strip()
    known = chosen == "" or any(choice.value == chosen for choice in CATEGORIES)
    reports = public_reports(chosen if known else "")
    return render_page(
        "views/maengel/list.html",
        "partials/maengel/reports.html",
        reports=reports,
        categories=CATEGORIES,
        chosen=chosen if known else "",
        unknown_category=not known,
        service=SLUG,
    ), (200 if known else 422)
