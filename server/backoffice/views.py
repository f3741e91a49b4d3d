from __future__ import annotations

from flask import Blueprint, render_template

from server.auth.session import clerk_required, current_clerk
from server.backoffice.queues import queues_for

bp = Blueprint("backoffice", __name__, url_prefix="/verwaltung")


@bp.route("/")
@clerk_required()
def overview() -> str:
    clerk = current_clerk()
    assert clerk is not None
    return render_template("views/backoffice/overview.html", clerk=clerk, queues=queues_for(clerk))
