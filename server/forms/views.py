"""The citizen's side of the online forms: step pages, check your answers, submission,
confirmation and receipt, and the server-side draft of a logged-in citizen.

URLs and answers are the contract with the offline drafts client (``docs/forms-contract.md``).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from server.auth.session import TRUST_ORDER, current_citizen
from server.extensions import htmx
from server.formatting import euro
from server.forms import access, drafts, outcome, payment, receipt, status_views, submissions
from server.forms import uploads as form_uploads
from server.forms.engine import (
    NO_ASSESSMENT,
    AssessContext,
    Assessment,
    Field,
    FieldKind,
    FormDefinition,
    RawAnswers,
    Step,
)
from server.forms.models import FormDraft, FormSubmission
from server.forms.prefill import citizen_values
from server.forms.registry import get_definition
from server.forms.validation import (
    check_step,
    live_parts,
    raw_from,
    show_errors,
    step_form,
    validate_all,
)
from server.page_cache import keep
from server.payments.online import NothingToPay
from server.payments.providers.base import ProviderError
from server.payments.refunds import RefundError
from server.privacy import notice_page
from server.rendering import file_response, render_page
from server.security import public_page, serve_as_blank_copy, wants_blank_copy

bp = Blueprint("forms", __name__, url_prefix="/antraege")

SUBMISSION_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")
CHECK_STEP = "pruefen"


def _definition(service: str, *, ordering: bool = True) -> FormDefinition:
    """The service; one that needs a login sends everybody else to the account page, from
    where they come back after logging in (JSON clients get 401). ``ordering``: to fill in or
    send the form, at the level the definition asks for that now (``level_to_order``), and
    below it to the service's own explanation if it has one; else to see what was sent."""
    definition = get_definition(service)
    if definition is None:
        abort(404)
    level = definition.level_to_order() if ordering else definition.login_level
    if level is not None and (
        current_citizen() is None
        or TRUST_ORDER.get(session.get("trust_level", "low"), 0) < TRUST_ORDER[level]
    ):
        if _wants_json():
            refusal = jsonify(status="login_required")
            refusal.status_code = 401
            abort(refusal)
        target = (
            request.full_path.rstrip("?")
            if request.method in ("GET", "HEAD")
            else url_for("forms.start", service=service)
        )
        explained = definition.below_level(level, target) if definition.below_level else None
        abort(
            redirect(
                explained or url_for("auth.account", next=target, stufe=level),
                code=303,
            )
        )
    return definition


def _closed(definition: FormDefinition) -> str | None:
    reason = definition.closed() if definition.closed else None
    return str(reason) if reason else None


def _refuse_when_closed(definition: FormDefinition, submission_id: str = "") -> None:
    """A closed service shows why instead of its questions (409 to what would send or save).
    A repeat of a submission received while it was open goes through: it gets its answer."""
    reason = _closed(definition)
    if reason is None or (submission_id and submissions.find_by_submission_id(submission_id)):
        return
    if _wants_json():
        refusal = jsonify(status="closed", message=reason)
        refusal.status_code = 409
        abort(refusal)
    page = render_template("views/forms/closed.html", definition=definition, reason=reason)
    abort(make_response(page, 200 if request.method in ("GET", "HEAD") else 409))


def _context() -> AssessContext:
    """Who is asking, for the assessment: the trust level of the login, the date of birth
    only where an eID vouched for it, and the citizen's id."""
    citizen = current_citizen()
    trust = session.get("trust_level") if citizen is not None else None
    birthdate = citizen.birthdate if citizen is not None and citizen.has_eid else None
    return AssessContext(
        trust_level=trust if isinstance(trust, str) else None,
        birthdate=birthdate,
        citizen_id=citizen.id if citizen is not None else None,
    )


def _assessment(definition: FormDefinition, answers: RawAnswers) -> Assessment:
    if definition.assess is None:
        return NO_ASSESSMENT  # no rules to ask: who is asking (and the date) need not be found
    return definition.assessment(answers, _context())


def _step(definition: FormDefinition, slug: str) -> Step:
    step = definition.step(slug)
    if step is None:
        abort(404)
    return step


def _citizen_id() -> int | None:
    citizen = current_citizen()
    return citizen.id if citizen else None


def _step_url(definition: FormDefinition, step: Step | None) -> str:
    if step is None:
        return url_for(".check", service=definition.slug)
    return url_for(".step", service=definition.slug, step=step.slug)


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > 0


def _formdata(step: Step, answers: RawAnswers, prefill: dict[str, str]) -> MultiDict[str, str]:
    data: MultiDict[str, str] = MultiDict()
    for spec in step.fields:
        values = list(answers.get(spec.name, ()))
        if not values and spec.prefill and prefill.get(spec.prefill):
            values = [prefill[spec.prefill]]
        for value in values:
            data.add(spec.name, value)
    return data


def _render_step(
    definition: FormDefinition,
    step: Step,
    answers: RawAnswers | None,
    errors: dict[str, list[str]] | None = None,
    *,
    draft_uploads: list[Any] | None = None,
    back_to_check: bool = False,
) -> ResponseReturnValue:
    """The step page (``_step_page``) with its status: 422 when it shows errors."""
    page = _step_page(
        definition,
        step,
        answers,
        errors,
        draft_uploads=draft_uploads,
        back_to_check=back_to_check,
    )
    return page, 422 if errors else 200


def _step_page(
    definition: FormDefinition,
    step: Step,
    answers: RawAnswers | None,
    errors: dict[str, list[str]] | None = None,
    *,
    draft_uploads: list[Any] | None = None,
    back_to_check: bool = False,
) -> str:
    """The step page for the answers so far (the draft's, with the earlier steps'); ``answers``
    None: the page the same for everyone, where the browser decides the conditions with its
    draft."""
    # The same for everyone means nothing of the account either (a logged-in citizen's blank
    # copy, kept by the service worker).
    citizen = current_citizen() if answers is not None else None
    so_far = answers if answers is not None else {}
    assessment = _assessment(definition, so_far)
    form = step_form(
        step,
        _formdata(step, so_far, citizen_values(citizen) if citizen else {}),
        answers,
        assessment=assessment,
    )
    show_errors(form, errors or {})
    position, total = definition.progress(step, answers, assessment)
    previous = definition.previous_step(step, so_far, assessment)
    following = definition.following_step(step)
    uploads_by_field: dict[str, list[Any]] = {}
    for upload in draft_uploads or []:
        uploads_by_field.setdefault(upload.field, []).append(upload)
    on_page = {spec.name for spec in step.fields}
    return render_page(
        "views/forms/step.html",
        "partials/forms/step_form.html",
        definition=definition,
        step=step,
        form=form,
        errors=errors or {},
        position=position,
        total=total,
        back_url=_step_url(definition, previous)
        if previous
        else url_for("web.service", slug=definition.slug),
        next_url=_step_url(definition, following),
        skip_url=_step_url(definition, following) if step.when else "",
        uploads=uploads_by_field,
        back_to_check=back_to_check,
        field_specs={spec.name: spec for spec in step.fields},
        questions=[spec for spec in step.fields if spec.name in form],
        # What the browser decides (js/drafts-fields.js): conditions on this page's answers,
        # or on earlier answers where the page is the same for everyone.
        live={
            spec.name: _live(spec, answers, on_page) for spec in step.fields if spec.name in form
        },
        notes=assessment.notes if step.assessed else (),
        refusal_links=[
            link for name, link in assessment.refusal_links.items() if name in (errors or {})
        ],
        # The short privacy notice comes before the first question of the service.
        privacy_url=url_for(".privacy", service=definition.slug)
        if step is definition.steps[0]
        else "",
    )


def _live(spec: Field, answers: RawAnswers | None, on_page: set[str]) -> dict[str, Any]:
    """The conditions of a question the page carries for the browser, part by part: its own
    (``when``: field, values, whether on an earlier step's answer, hidden until the browser's
    draft says it holds) and its choices' (value → [(field, values), ...])."""
    live: dict[str, Any] = {}
    parts = live_parts(spec.when, answers, on_page)
    if parts:
        live["when"] = [
            (part.field, " ".join(part.values), part.field not in on_page) for part in parts
        ]
    choices = {
        choice.value: [
            (part.field, " ".join(part.values))
            for part in live_parts(choice.when, answers, on_page)
        ]
        for choice in spec.choice_list()
    }
    if any(choices.values()):
        live["choices"] = {value: parts for value, parts in choices.items() if parts}
    return live


@bp.route("/<service>")
def start(service: str) -> ResponseReturnValue:
    definition = _definition(service)
    _refuse_when_closed(definition)
    return redirect(_step_url(definition, definition.steps[0]))


@bp.route("/<service>/datenschutz")
@public_page
def privacy(service: str) -> ResponseReturnValue:
    """The service's full privacy notice (Art. 13 DSGVO), readable without logging in."""
    definition = get_definition(service)
    if definition is None:
        abort(404)
    return notice_page(
        definition.privacy,
        definition.title,
        url_for(".start", service=definition.slug),
        _("Zurück zum Antrag"),
    )


@bp.route("/<service>/<step>", methods=["GET", "POST"])
def step(service: str, step: str) -> ResponseReturnValue:
    """One topic per page. A GET without a draft is the same for everyone (the service worker
    may keep it for offline use); with a draft it shows the answers and is personal."""
    definition = _definition(service)
    _refuse_when_closed(definition)
    current = _step(definition, step)
    citizen_id = _citizen_id()
    back_to_check = request.values.get("zurueck") == CHECK_STEP
    if request.method == "GET":
        if wants_blank_copy():
            # Kept by the service worker for offline use, also for a logged-in citizen: nothing
            # of the draft or the account is in it (the drafts client fills the answers in).
            serve_as_blank_copy()
            return _render_step(definition, current, None)
        draft, held = drafts.find_with_uploads(definition, citizen_id)
        if draft is None and citizen_id is None:
            g.public_page = True
            return _blank_step(definition, current)
        answers = drafts.answers_of(draft)
        assessment = _assessment(definition, answers)
        if draft is not None and not current.shown(answers, assessment):
            return redirect(
                _step_url(definition, definition.next_step(current, answers, assessment))
            )
        return _render_step(
            definition, current, answers, draft_uploads=held, back_to_check=back_to_check
        )

    posted = raw_from(request.form, {f.name for f in current.fields if f.kind != FieldKind.FILES})
    # Nothing typed is lost, valid or not.
    draft, existing = drafts.open_and_save_step(definition, citizen_id, current, posted)
    answers = drafts.answers_of(draft)
    removal = request.form.get("remove_upload", "")
    if removal.isdigit():
        upload = form_uploads.get_upload(int(removal))
        if upload is not None and upload.draft_id == draft.id and upload.submission_id is None:
            form_uploads.remove_upload(upload)
        return _render_step(
            definition,
            current,
            answers,
            draft_uploads=drafts.draft_uploads(draft),
            back_to_check=back_to_check,
        )
    sent = form_uploads.sent_files(
        {f.name: request.files.getlist(f.name) for f in current.fields if f.kind == FieldKind.FILES}
    )
    assessment = _assessment(definition, answers)
    checked = form_uploads.check_files(definition, sent, answers, existing, assessment)
    held = existing
    if checked.accepted:
        form_uploads.attach_to_draft(draft.id, checked.accepted)
        held = drafts.draft_uploads(draft)
    counts: dict[str, int] = {}
    for upload in held:
        counts[upload.field] = counts.get(upload.field, 0) + 1
    outcome = check_step(current, answers, counts, assessment)
    errors = {**outcome.errors}
    for name, messages in checked.errors.items():
        errors[name] = [*messages, *errors.get(name, [])]
    if errors:
        return _render_step(
            definition, current, answers, errors, draft_uploads=held, back_to_check=back_to_check
        )
    following = definition.next_step(current, answers, assessment)
    if back_to_check and _complete_until(following, answers):
        return _go(url_for(".check", service=definition.slug))
    target = _step_url(definition, following)
    return _go(target)


def _blank_step(definition: FormDefinition, step: Step) -> ResponseReturnValue:
    """The step's page without answers for a visitor without a draft (every new visitor's
    first step): rendered once per process, URL and language (``server.page_cache``) where
    it follows from the definition alone."""
    if _same_at_any_time(definition, step):
        return keep(lambda: _step_page(definition, step, None))
    return _render_step(definition, step, None)


def _same_at_any_time(definition: FormDefinition, step: Step) -> bool:
    """Whether the step's page without answers follows from the definition alone: nothing in
    it is decided when asked, neither by an assessment (it may go by the date) nor by choices
    read when shown (the days still free)."""
    return definition.assess is None and not any(
        callable(spec.choices) or spec.choices_from is not None for spec in step.fields
    )


def _complete_until(following: Step | None, answers: RawAnswers) -> bool:
    """After a change from the check-answers page, go back there unless the change opened a
    step that has not been answered yet (a new condition that now holds)."""
    if following is None:
        return True
    return any(spec.name in answers for spec in following.fields)


def _go(target: str) -> ResponseReturnValue:
    if htmx:
        response = Response(status=200)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, code=303)


@bp.route("/<service>/pruefen")
def check(service: str) -> ResponseReturnValue:
    """Check your answers: every answer with a link to change it, then send."""
    definition = _definition(service)
    _refuse_when_closed(definition)
    draft, held = drafts.find_with_uploads(definition, _citizen_id())
    if draft is None:
        return redirect(_step_url(definition, definition.steps[0]))
    answers = drafts.answers_of(draft)
    counts: dict[str, int] = {}
    for upload in held:
        counts[upload.field] = counts.get(upload.field, 0) + 1
    outcome = validate_all(definition, answers, counts, _context())
    fee = payment.fee_of(definition, outcome.answers) if outcome.valid else None
    return render_page(
        "views/forms/check.html",
        definition=definition,
        sections=receipt.sections(definition, outcome.answers, held, answers, outcome.assessment),
        errors=outcome.errors,
        error_steps=[
            s
            for s in definition.steps_shown(answers, outcome.assessment)
            if any(f.name in outcome.errors for f in s.fields)
        ],
        # Steps with a problem not one of whose questions has been answered yet: listed as
        # unanswered, not answer by answer.
        unanswered=[
            s.slug
            for s in definition.steps_shown(answers, outcome.assessment)
            if any(f.name in outcome.errors for f in s.fields)
            and not any(f.name in answers or f.name in counts for f in s.fields)
        ],
        submission_id=uuid.uuid4().hex,
        fee=fee,
        fee_rows=[(item.label, euro(item.cents)) for item in fee.items] if fee else [],
        fee_total=euro(fee.total_cents) if fee else "",
    )


def _receipt_url(submission: FormSubmission) -> str:
    return url_for(".receipt_pdf", service=submission.service, reference=submission.reference)


def _refuse_id() -> ResponseReturnValue:
    message = _(
        "Die Sendung hat keine gültige Kennung. Laden Sie die Seite neu und senden Sie erneut."
    )
    if _wants_json():
        return jsonify(status="invalid", errors={"submission_id": [message]}), 400
    abort(400)


@bp.route("/<service>/absenden", methods=["POST"])
def submit(service: str) -> ResponseReturnValue:
    """Receive a submission: the session's draft (no JavaScript), or a complete multipart body
    with every answer and file (the drafts client). Idempotent on ``submission_id``."""
    definition = _definition(service)
    submission_id = request.form.get("submission_id", "").strip()
    if not SUBMISSION_ID.match(submission_id):
        return _refuse_id()
    _refuse_when_closed(definition, submission_id)
    citizen_id = _citizen_id()
    names = {f.name for f in definition.all_fields()}
    complete_body = any(name in request.form or name in request.files for name in names)
    session_draft, held = drafts.find_with_uploads(definition, citizen_id)
    if complete_body:
        answers: RawAnswers = raw_from(request.form, names)
        files = form_uploads.sent_files({n: request.files.getlist(n) for n in names})
        draft, held = None, []
    else:
        answers, files, draft = drafts.answers_of(session_draft), {}, session_draft
    try:
        received = submissions.receive(
            definition,
            submission_id=submission_id,
            answers=answers,
            files=files,
            draft=draft,
            held=held,
            citizen_id=citizen_id,
            context=_context(),
        )
    except submissions.WrongService:
        return _refuse_id()
    except submissions.Invalid as invalid:
        return _invalid(definition, invalid, answers, complete_body)
    if received.new and complete_body and session_draft is not None:
        drafts.discard(session_draft)
    drafts.forget_in_session(definition)
    submission = received.submission
    access.grant(submission)
    confirmation = url_for(".received", service=service, reference=submission.reference)
    if _wants_json():
        return jsonify(
            status=submission.status if payment.awaiting(submission) else "eingegangen",
            reference=submission.reference,
            receipt_url=_receipt_url(submission),
            url=confirmation,
            **(
                {"payment_url": url_for(".pay", service=service, reference=submission.reference)}
                if payment.awaiting(submission)
                else {}
            ),
        )
    if payment.awaiting(submission):
        return _to_payment(definition, submission)
    return redirect(confirmation, code=303)


def _to_payment(definition: FormDefinition, submission: FormSubmission) -> ResponseReturnValue:
    """On to the payment platform; if it cannot be reached, the confirmation page says so and
    offers to pay later."""
    try:
        target = payment.start_payment(definition, submission)
    except NothingToPay:
        target = url_for(".received", service=definition.slug, reference=submission.reference)
    except ProviderError:
        target = url_for(
            ".received",
            service=definition.slug,
            reference=submission.reference,
            zahlung="fehler",
        )
    return redirect(target, code=303)


@bp.route("/<service>/eingegangen/<reference>/bezahlen", methods=["POST"])
def pay(service: str, reference: str) -> ResponseReturnValue:
    """Pay an application that waits for its payment (after a failed or cancelled attempt)."""
    definition = _definition(service, ordering=False)
    submission = _own_submission(service, reference)
    if not outcome.payable(submission):
        return redirect(url_for(".received", service=service, reference=reference), code=303)
    if request.form.get("weg") == "ueberweisung":
        return redirect(payment.payment_page(definition, submission), code=303)
    return _to_payment(definition, submission)


@bp.route("/<service>/eingegangen/<reference>/zurueckziehen", methods=["GET", "POST"])
def withdraw(service: str, reference: str) -> ResponseReturnValue:
    """The citizen calls a submission off (a pickup no longer needed): a page that asks, then
    the change, once however often it is sent."""
    definition = _definition(service, ordering=False)
    submission = _own_submission(service, reference)
    back = url_for(".received", service=service, reference=reference)
    if definition.withdrawal is None:
        abort(404)
    problem = ""
    if request.method == "POST":
        try:
            withdrawn = submissions.withdraw(submission)
        except submissions.StatusError as error:
            problem = next(iter(error.errors.values()))
        except RefundError:
            # The platform refused to pay back: the withdrawal is undone, nothing is lost.
            problem = _(
                "Das Stornieren ist gerade nicht möglich, weil die Erstattung nicht "
                "angenommen wurde. Bitte versuchen Sie es später noch einmal."
            )
        else:
            target = definition.status(definition.withdrawal.status)
            if withdrawn:
                flash(_("Stand jetzt: %(status)s.", status=target.label), "success")
            else:
                flash(_("Schon erledigt: %(status)s.", status=target.label), "info")
            return redirect(back, code=303)
    return render_page(
        "views/forms/withdraw.html",
        definition=definition,
        submission=submission,
        problem=problem or outcome.withdrawal_refused(definition, submission),
        back=back,
    ), (409 if problem else 200)


def _invalid(
    definition: FormDefinition,
    invalid: submissions.Invalid,
    answers: RawAnswers,
    complete_body: bool,
) -> ResponseReturnValue:
    step = invalid.step or definition.steps[0]
    if _wants_json():
        return jsonify(
            status="invalid",
            errors=invalid.errors,
            step=step.slug,
            step_url=_step_url(definition, step),
        ), 422
    # Back to the first step with a problem, with everything sent kept in the draft.
    draft = drafts.open_draft(definition, _citizen_id())
    if complete_body:
        drafts.replace_answers(draft, drafts.sanitise(definition, dict(answers)), step.slug)
    errors = {
        name: messages
        for name, messages in invalid.errors.items()
        if any(f.name == name for f in step.fields)
    }
    return _render_step(
        definition,
        step,
        drafts.answers_of(draft),
        errors,
        draft_uploads=drafts.draft_uploads(draft),
    )


def _own_submission(service: str, reference: str, *, with_events: bool = False) -> FormSubmission:
    submission = submissions.find_by_reference(reference, with_events=with_events)
    if submission is None or submission.service != service or not access.may_see(submission):
        # A link opened on another device: ask for the Abrufcode, the same way whether or not
        # the number exists.
        page, status = status_views.ask_for_code(reference)
        abort(Response(page, status=status))
    return submission


@bp.route("/<service>/eingegangen/<reference>")
def received(service: str, reference: str) -> ResponseReturnValue:
    definition = _definition(service, ordering=False)
    submission = _own_submission(service, reference, with_events=True)
    paid = payment.payment_state(definition, submission)
    status = definition.status(submission.status)
    return render_page(
        "views/forms/received.html",
        definition=definition,
        submission=submission,
        status=status,
        reasons=outcome.reasons(definition, submission) if status.negative else [],
        refunds=outcome.refunds(submission),
        events=[
            (event, definition.status(event.status), receipt.public_details(definition, event))
            for event in submission.events
        ],
        receipt_url=_receipt_url(submission),
        documents=definition.documents(submission) if definition.documents else (),
        withdrawal=outcome.withdrawal_offer(definition, submission),
        highlights=definition.highlights(submission) if definition.highlights else (),
        awaiting=outcome.payable(submission),
        paid_amount=euro(paid.paid_cents) if paid is not None and paid.paid_cents else "",
        provider_failed=request.args.get("zahlung") == "fehler",
        fee_rows=[
            (label, euro(cents)) for label, cents in receipt.fee_rows(definition, submission)
        ],
        # Shown only with the fee's lines (and Babel's currency format is not cheap).
        fee_total=euro(submission.fee_cents or 0) if submission.fee_lines is not None else "",
        euro=euro,
    )


@bp.route("/<service>/eingegangen/<reference>/eingangsbestaetigung.pdf")
def receipt_pdf(service: str, reference: str) -> ResponseReturnValue:
    definition = _definition(service, ordering=False)
    submission = _own_submission(service, reference)
    return file_response(
        receipt.render(definition, submission),
        mimetype="application/pdf",
        filename=f"eingangsbestaetigung-{submission.reference}.pdf",
        inline=True,
    )


# --- the logged-in citizen's draft on the server (JSON, for the drafts client) -------------------


@bp.route("/<service>/entwurf", methods=["GET", "PUT", "DELETE"])
def server_draft(service: str) -> ResponseReturnValue:
    definition = _definition(service)
    citizen_id = _citizen_id()
    if citizen_id is None:
        return jsonify(status="login_required"), 401
    if request.method == "PUT":
        return _put_draft(definition, citizen_id)
    draft = drafts.find_draft(definition, citizen_id)
    if request.method == "DELETE":
        if draft is not None:
            drafts.discard(draft)
        drafts.forget_in_session(definition)
        return Response(status=204)
    if draft is None:
        return jsonify(status="none"), 404
    return jsonify(status="draft", **_draft_state(definition, draft))


def _put_draft(definition: FormDefinition, citizen_id: int) -> ResponseReturnValue:
    body = request.get_json(silent=True)
    based_on = body.get("revision") if isinstance(body, dict) else None
    if (
        not isinstance(body, dict)
        or not isinstance(body.get("answers"), dict)
        or not (based_on is None or (type(based_on) is int and based_on >= 0))
    ):
        return jsonify(
            status="invalid",
            errors={"answers": [_("Der Entwurf ist nicht lesbar.")]},
        ), 400
    step = str(body.get("step") or "")
    if step and definition.step(step) is None:
        step = ""
    answers = drafts.sanitise(definition, body["answers"])
    try:
        saved = drafts.put(definition, citizen_id, answers, step, based_on)
    except drafts.StaleDraft as stale:
        if stale.current is None:
            return jsonify(
                status="gone",
                message=_("Dieser Antrag wurde inzwischen gesendet oder sein Entwurf verworfen."),
            ), 409
        return jsonify(
            status="conflict",
            message=_("Der Entwurf wurde inzwischen auf einem anderen Gerät geändert."),
            **_draft_state(definition, stale.current),
        ), 409
    return jsonify(status="saved", revision=saved.revision, updated_at=saved.updated_at.isoformat())


def _draft_state(definition: FormDefinition, draft: FormDraft) -> dict[str, object]:
    return {
        "service": definition.slug,
        "step": draft.step,
        "answers": drafts.answers_of(draft),
        "files": [
            {"field": u.field, "name": u.original_name, "size": u.size}
            for u in drafts.draft_uploads(draft)
        ],
        "revision": draft.revision,
        "updated_at": draft.updated_at.isoformat(),
    }
