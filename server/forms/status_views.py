"""A submission's status page from any device: the Eingangsnummer with the Abrufcode, typed in
or carried by the link in the confirmation mail. The number alone never opens it."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, request, url_for
from flask.typing import ResponseReturnValue

from server import guessing, ratelimits
from server.forms import access, submissions
from server.forms.models import FormSubmission
from server.forms.status_lookup import STATUS_ACCESS, StatusLookupForm
from server.rendering import render_page

bp = Blueprint("forms_status", __name__, url_prefix="/antraege/stand")


def _per_address() -> str:
    return str(current_app.config["FORMS_STATUS_RATE_LIMIT"])


def _status_page(submission: FormSubmission) -> ResponseReturnValue:
    target = url_for("forms.received", service=submission.service, reference=submission.reference)
    return redirect(target, code=303)


def ask_for_code(reference: str, *, wrong: bool = False) -> tuple[str, int]:
    """The lookup with the number filled in: a status link opened in a browser that does not
    know the submission (the same page whether or not the number exists)."""
    form = StatusLookupForm(formdata=None, data={"reference": reference.strip().upper()[:40]})
    return render_page("views/forms/status_lookup.html", form=form, needs_code=True, wrong=wrong), (
        422 if wrong else 403
    )


@bp.route("", methods=["GET", "POST"])
@ratelimits.limit(ratelimits.CODE, _per_address, methods=["POST"])
def lookup() -> ResponseReturnValue:
    form = StatusLookupForm()
    if request.method != "POST":
        return render_page("views/forms/status_lookup.html", form=form)
    if not form.validate():
        return render_page("views/forms/status_lookup.html", form=form), 422
    reference = (form.reference.data or "").strip().upper()
    wait = guessing.attempt(STATUS_ACCESS, reference)
    if wait is not None:
        page = render_page("views/forms/status_lookup.html", form=form, wait_minutes=-(-wait // 60))
        return page, 429, {"Retry-After": str(wait)}
    found = submissions.open_with_code(reference, form.code.data or "")
    if found is None:
        guessing.failed(STATUS_ACCESS)
        return render_page("views/forms/status_lookup.html", form=form, wrong=True), 422
    access.grant(found)
    return _status_page(found)


@bp.route("/<code>")
def link(code: str) -> ResponseReturnValue:
    """The link in the mails: the Abrufcode alone (80 bits) is its key, so it is not counted
    against any number; a wrong one asks for number and code like any unknown browser."""
    found = submissions.open_with_link(code)
    if found is None:
        guessing.failed(STATUS_ACCESS)
        return ask_for_code("", wrong=True)
    access.grant(found)
    return _status_page(found)
