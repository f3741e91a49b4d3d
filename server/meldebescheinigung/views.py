"""The issued certificate as a PDF, for whoever may see the application's status."""

from __future__ import annotations

from flask import Blueprint, abort
from flask.typing import ResponseReturnValue

from server.forms.submissions import find_by_reference
from server.meldebescheinigung import issuing
from server.meldebescheinigung.definition import SLUG
from server.rendering import file_response

bp = Blueprint("meldebescheinigung", __name__, url_prefix="/meldebescheinigung")


@bp.route("/<reference>.pdf")
def certificate(reference: str) -> ResponseReturnValue:
    submission = find_by_reference(reference)
    if submission is None or submission.service != SLUG or not issuing.may_download(submission):
        abort(404)
    if submission.status != issuing.ISSUED:
        abort(404)
    try:
        content = issuing.render(submission)
    except LookupError:
        abort(404)
    return file_response(
        content,
        mimetype="application/pdf",
        filename=f"Meldebescheinigung-{reference}.pdf",
    )
