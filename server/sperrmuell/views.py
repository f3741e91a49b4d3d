"""The Baubetriebshof's pickup days (role ``public_works``): each district's coming days with
their places taken, each linked to the orders of that day."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from server.auth.roles import Role
from server.auth.session import clerk_required
from server.rendering import render_page
from server.sperrmuell import pickup

bp = Blueprint("sperrmuell_office", __name__, url_prefix="/verwaltung/sperrmuell")


@bp.route("/abholtage")
@clerk_required(Role.PUBLIC_WORKS)
def days() -> ResponseReturnValue:
    return render_page(
        "views/sperrmuell/days.html",
        districts=pickup.days_ahead(),
        day_label=pickup.day_label,
        service=pickup.SERVICE,
    )
