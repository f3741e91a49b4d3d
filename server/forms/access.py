"""Who may see a submission's status page: the logged-in citizen who sent it, and a browser
that sent it or was given its Abrufcode (the browser's session remembers the reference)."""

from __future__ import annotations

from flask import session

from server.auth.session import current_citizen
from server.forms.models import FormSubmission

SESSION_SUBMISSIONS = "form_submissions"
REMEMBERED_SUBMISSIONS = 20


def grant(submission: FormSubmission) -> None:
    known = [r for r in session.get(SESSION_SUBMISSIONS, []) if isinstance(r, str)]
    if submission.reference and submission.reference not in known:
        session[SESSION_SUBMISSIONS] = [*known, submission.reference][-REMEMBERED_SUBMISSIONS:]


def may_see(submission: FormSubmission) -> bool:
    citizen = current_citizen()
    if citizen is not None and submission.citizen_id == citizen.id:
        return True
    return submission.reference in session.get(SESSION_SUBMISSIONS, [])
