"""The call display (``/aufruf/<location>``): a screen in the waiting room shows which waiting
number is called to which counter, in large type, updated every few seconds (htmx polling the
same URL for its fragment; without JavaScript the page reloads itself). Public and without
personal data: only waiting numbers and counters."""

from __future__ import annotations

from flask import Blueprint, abort
from flask.typing import ResponseReturnValue

from server.appointments import office
from server.rendering import render_page

bp = Blueprint("call_display", __name__, url_prefix="/aufruf")

#: How often the screen asks again, in seconds.
REFRESH_SECONDS = 5


@bp.route("/<int:location_id>")
def display(location_id: int) -> ResponseReturnValue:
    location = office.get_location(location_id)
    if location is None:
        abort(404)
    return render_page(
        "views/appointments/call_display.html",
        "partials/appointments/calls.html",
        location=location,
        calls=office.calls(location),
        waiting=office.waiting_count(location),
        refresh=REFRESH_SECONDS,
    )
