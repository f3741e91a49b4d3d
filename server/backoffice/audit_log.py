"""The audit log's admin page: administrators filter by who, what, which record and when.

The log itself (``server.audit``) is a bottom-layer module without views; the page belongs to the
clerks' shell. The blueprint keeps its name, so the endpoint stays ``audit.log_view``."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from server.audit import labels
from server.audit.log import AuditFilter, actions, search
from server.auth.roles import Role
from server.auth.session import clerk_required
from server.rendering import render_page

bp = Blueprint("audit", __name__, url_prefix="/verwaltung/protokoll")


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.route("/")
@clerk_required(Role.ADMIN)
def log_view() -> ResponseReturnValue:
    criteria = AuditFilter(
        actor=request.args.get("wer", "").strip()[:80],
        action=request.args.get("was", "").strip()[:64],
        record=request.args.get("datensatz", "").strip()[:100],
        day_from=_day("von"),
        day_to=_day("bis"),
    )
    return render_page(
        "views/backoffice/audit_log.html",
        entries=search(criteria),
        criteria=criteria,
        actions=labels.action_choices(actions()),
        action_label=labels.action_label,
        record_label=labels.record_label,
        detail_text=labels.detail_text,
    )
