"""The permit as a PDF for the applicant, and the public page its QR code opens."""

from __future__ import annotations

from flask import Blueprint, abort
from flask.typing import ResponseReturnValue

from server.forms import access
from server.forms.submissions import find_by_reference
from server.parkausweis import document, permits
from server.parkausweis.definition import SLUG
from server.rendering import file_response, render_page

bp = Blueprint("parkausweis", __name__, url_prefix="/parkausweis")


@bp.route("/<reference>.pdf")
def permit_pdf(reference: str) -> ResponseReturnValue:
    submission = find_by_reference(reference)
    if submission is None or submission.service != SLUG or not access.may_see(submission):
        abort(404)
    permit = permits.permit_of(submission)
    if permit is None:
        abort(404)
    return file_response(
        document.render(permit, reference),
        mimetype="application/pdf",
        filename=f"Bewohnerparkausweis-{reference}.pdf",
    )


@bp.route("/pruefen/<token>")
def verify(token: str) -> ResponseReturnValue:
    """What an enforcement officer sees after scanning: valid or not, zone, plate, until. No
    name: the plate on the permit and on the car is what is compared."""
    permit = permits.by_token(token)
    if permit is None:
        return render_page("views/parkausweis/verify.html", check=None), 404
    return render_page("views/parkausweis/verify.html", check=permits.check(permit))
