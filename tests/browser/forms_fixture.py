"""A two-step form served the way the forms contract (issue 6) describes the forms engine's pages.

Test-only: it lets the browser tests drive drafts.js and the service worker against the contract's
markup and JSON answers (steps, check page, idempotent ``absenden`` with 422 errors) without
depending on any one service's definition. The server refuses a first name with digits, a rule
the browser does not know, so a queued submission can fail on the server.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint, abort, jsonify, render_template_string, request, session, url_for
from flask.typing import ResponseReturnValue

from server.rendering import redirect_page
from server.security import public_page

SERVICE = "probe"
STEPS = ("kind", "eltern")
MAX_FILE_BYTES = 1_048_576

STEP_PAGE = """{% extends "base.html" %}
{% set drafts_page = true %}
{% block title %}Probeantrag: {{ step }}{% endblock %}
{% block content %}
<h1 class="kern-heading-large">{{ heading }}</h1>
<form class="portal-stack" method="post" enctype="multipart/form-data"
      action="{{ url_for('probe_form.step', step=step) }}"
      data-draft-form="probe" data-draft-step="{{ step }}" data-draft-title="Probeantrag"
      data-next="{{ next }}">
  <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
  {%- if step == "kind" %}
  <label class="kern-label" for="kind_vorname">Vorname des Kindes</label>
  <input class="kern-form-input__input" id="kind_vorname" name="kind_vorname" required>
  <fieldset class="kern-fieldset"><legend class="kern-label">Betreuung</legend>
    <input type="checkbox" id="betreuung-vormittag" name="betreuung" value="vormittag">
    <label class="kern-label" for="betreuung-vormittag">Vormittags</label>
    <input type="checkbox" id="betreuung-nachmittag" name="betreuung" value="nachmittag">
    <label class="kern-label" for="betreuung-nachmittag">Nachmittags</label>
  </fieldset>
  {%- else %}
  <label class="kern-label" for="eltern_name">Name eines Elternteils</label>
  <input class="kern-form-input__input" id="eltern_name" name="eltern_name" required>
  <label class="kern-label" for="nachweis">Nachweis (JPEG, PNG oder PDF)</label>
  <input class="kern-form-input__input" id="nachweis" name="nachweis" type="file" multiple
         accept="image/jpeg,image/png,application/pdf" data-max-bytes="{{ max_bytes }}">
  {%- endif %}
  <button class="kern-btn kern-btn--primary" type="submit">
    <span class="kern-label">Weiter</span></button>
</form>
{% endblock %}"""

CHECK_PAGE = """{% extends "base.html" %}
{% set drafts_page = true %}
{% block title %}Probeantrag prüfen{% endblock %}
{% block content %}
<h1 class="kern-heading-large">Angaben prüfen</h1>
<form method="post" action="{{ url_for('probe_form.send') }}" data-draft-form="probe">
  <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
  <button class="kern-btn kern-btn--primary" type="submit">
    <span class="kern-label">Absenden</span></button>
</form>
{% endblock %}"""

RECEIVED_PAGE = """{% extends "base.html" %}
{% set drafts_page = true %}
{% block title %}Eingegangen{% endblock %}
{% block content %}
<h1 class="kern-heading-large">Ihr Antrag ist eingegangen</h1>
<p class="kern-body">Vorgangsnummer {{ reference }}</p>
<div data-draft-sent="probe"></div>
{% endblock %}"""


@dataclass
class Received:
    """What the office received: one entry per submission id, however often it was sent."""

    submissions: dict[str, dict[str, object]] = field(default_factory=dict)
    posts: int = 0
    # The next this many sends are answered as the portal answers during an outage (503).
    unavailable: int = 0


def _outage(received: Received) -> Callable[[], ResponseReturnValue | None]:
    """Sending answered as the portal answers during an outage, while the test wants it."""

    def answer() -> ResponseReturnValue | None:
        if request.endpoint != "probe_form.send" or received.unavailable <= 0:
            return None
        received.posts += 1
        received.unavailable -= 1
        refused = jsonify(status="unavailable", message="Vorübergehend nicht erreichbar")
        return refused, 503, {"Retry-After": "30"}

    return answer


def make_blueprint(received: Received) -> Blueprint:
    bp = Blueprint("probe_form", __name__)
    bp.before_request(_outage(received))

    def next_url(step: str) -> str:
        index = STEPS.index(step)
        if index + 1 < len(STEPS):
            return url_for("probe_form.step", step=STEPS[index + 1])
        return url_for("probe_form.check")

    @bp.route(f"/antraege/{SERVICE}/<step>", methods=["GET", "POST"])
    @public_page
    def step(step: str) -> ResponseReturnValue:
        if step not in STEPS:
            abort(404)
        if request.method == "POST":
            answers = session.setdefault("probe", {})
            answers.update({key: request.form.getlist(key) for key in request.form})
            session.modified = True
            return redirect_page(next_url(step))
        heading = "Ihr Kind" if step == "kind" else "Ihre Angaben"
        return render_template_string(
            STEP_PAGE, step=step, heading=heading, next=next_url(step), max_bytes=MAX_FILE_BYTES
        )

    @bp.route(f"/antraege/{SERVICE}/pruefen")
    def check() -> ResponseReturnValue:
        return render_template_string(CHECK_PAGE)

    @bp.route(f"/antraege/{SERVICE}/absenden", methods=["POST"])
    def send() -> ResponseReturnValue:
        received.posts += 1
        submission_id = request.form.get("submission_id", "")
        if submission_id in received.submissions:
            done = received.submissions[submission_id]
            return _answer(str(done["reference"]))
        first_name = request.form.get("kind_vorname", "")
        if not first_name or any(char.isdigit() for char in first_name):
            return jsonify(
                status="invalid",
                errors={"kind_vorname": ["Der Vorname darf keine Ziffern enthalten."]},
                step="kind",
                step_url=url_for("probe_form.step", step="kind"),
            ), 422
        reference = f"PRB-{secrets.token_hex(3).upper()}"
        received.submissions[submission_id] = {
            "reference": reference,
            "answers": {key: request.form.getlist(key) for key in request.form},
            "files": [
                (file.filename, file.mimetype, len(file.read()))
                for file in request.files.getlist("nachweis")
            ],
        }
        return _answer(reference)

    def _answer(reference: str) -> ResponseReturnValue:
        receipt = url_for("probe_form.received_page", reference=reference)
        return jsonify(status="eingegangen", reference=reference, receipt_url=receipt)

    @bp.route(f"/antraege/{SERVICE}/eingegangen/<reference>")
    def received_page(reference: str) -> ResponseReturnValue:
        return render_template_string(RECEIVED_PAGE, reference=reference)

    return bp
