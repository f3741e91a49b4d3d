"""Every back-office route is gated: walk the app's url_map under /verwaltung and knock on each
route without a session and as a clerk who lacks the route's role.

The role comes from the view itself: ``clerk_required(role)`` leaves it on the view as
``clerk_gate``. A new route under /verwaltung without that decorator fails here until it is
gated or listed below with the reason it is open.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product
from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from server.auth.roles import Role
from server.auth.session import GATE_ATTRIBUTE
from server.extensions import db
from server.forms.registry import DEFINITIONS
from tests.checking_client import CheckingClient, checking_client, csrf_token
from tests.conftest import empty_all_tables, make_test_app
from tests.factories import make_clerk
from tests.integration.helpers import log_in_clerk

PREFIX = "/verwaltung"
LOGIN = "/verwaltung/anmelden"
#: An id no record has: the gate must answer before any lookup.
MISSING_ID = 987654

#: Open without a clerk session, each for its reason.
NOT_GATED = {
    "auth.clerk_login": "the password step of the login: whoever is not logged in needs it",
    "auth.clerk_code": "the authenticator code step: gated by the pending login, not a session",
    "auth.clerk_enrol": "first login sets up the second factor: gated by the pending login",
    "auth.logout": "ends whatever session there is; without one it ends nothing",
    "security_keys.login_options": "the security-key login's challenge, asked for before login",
    "security_keys.login_with_key": "the security-key login itself",
}

#: Gated by ``clerk_required()`` without a role: any logged-in clerk, each for its reason.
EVERY_CLERK = {
    "backoffice.overview": "the start page; it lists only the queues of the clerk's own roles",
    "security_keys.manage": "a clerk's own security keys",
    "security_keys.add_options": "a clerk's own security keys",
    "security_keys.add_key": "a clerk's own security keys",
    "security_keys.remove_key": "a clerk's own security keys (only their own can be removed)",
}

#: Gated by ``clerk_required()``; the role is the one the form service's definition names,
#: checked by the view (``_definition_for_clerk``) before the submission is looked up.
ROLE_FROM_SERVICE = {
    "forms_office.inbox",
    "forms_office.submission",
    "forms_office.receipt_pdf",
    "forms_office.attachment",
}

#: Routes whose record names the role it needs: a clerk with another service's role gets 404
#: alike for a missing record and for one of a service they may not see (see
#: ``test_another_services_upload_answers_like_a_missing_one``).
NOT_FOUND_ALIKE = {
    "forms_office.attachment": "the upload's service, and so its role, is known only after "
    "the upload is found",
}


@dataclass(frozen=True)
class Knock:
    endpoint: str
    method: str
    url: str
    role: Role | None  # the role the route needs; None: any clerk


def back_office_rules(app: Flask) -> list[Rule]:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.rule.startswith(PREFIX)),
        key=lambda rule: rule.rule,
    )


def knocks(app: Flask, rule: Rule) -> Iterator[Knock]:
    """Each method of the rule with its variables filled; for a form service's routes once per
    service, with that service's role."""
    gate = getattr(app.view_functions[rule.endpoint], GATE_ATTRIBUTE)
    services: list[tuple[str | None, Role | None]] = [(None, gate)]
    if "service" in rule.arguments:
        services = [(slug, definition.role) for slug, definition in sorted(DEFINITIONS.items())]
    elif rule.endpoint in ROLE_FROM_SERVICE:
        # No service in the URL: a clerk with none of the services' roles.
        services = [(None, None)]
    methods = sorted((rule.methods or set()) & {"GET", "POST"})
    for (service, role), method in product(services, methods):
        values: dict[str, Any] = {}
        for name in rule.arguments:
            values[name] = service if name == "service" else MISSING_ID
        with app.test_request_context():
            url = app.url_for(rule.endpoint, **values)
        yield Knock(rule.endpoint, method, url, role)


def knock(client: CheckingClient, token: str, target: Knock) -> TestResponse:
    if target.method == "POST":
        return client.post(target.url, data={"csrf_token": token})
    return client.get(target.url)


def test_every_back_office_route_is_gated_or_listed(app: Flask) -> None:
    problems = []
    for rule in back_office_rules(app):
        view = app.view_functions[rule.endpoint]
        if rule.endpoint in NOT_GATED:
            continue
        if not hasattr(view, GATE_ATTRIBUTE):
            problems.append(f"{rule.rule} ({rule.endpoint}) has no clerk_required")
        elif getattr(view, GATE_ATTRIBUTE) is None and not (
            rule.endpoint in EVERY_CLERK or rule.endpoint in ROLE_FROM_SERVICE
        ):
            problems.append(f"{rule.rule} ({rule.endpoint}) is open to every clerk, unlisted")
    listed = NOT_GATED.keys() | EVERY_CLERK.keys() | ROLE_FROM_SERVICE
    endpoints = {rule.endpoint for rule in back_office_rules(app)}
    problems += [f"{name} is listed but no route any more" for name in sorted(listed - endpoints)]
    assert not problems, "\n".join(problems)


def test_without_a_session_every_route_sends_to_the_login(app: Flask) -> None:
    client = checking_client(app)
    token = csrf_token(client.get(LOGIN))
    problems = []
    for rule in back_office_rules(app):
        if rule.endpoint in NOT_GATED:
            continue
        for target in knocks(app, rule):
            response = knock(client, token, target)
            to_login = response.status_code in (302, 303) and response.headers[
                "Location"
            ].startswith(LOGIN)
            if not (to_login or response.status_code in (401, 403)):
                problems.append(
                    f"{target.method} {target.url}: {response.status_code} "
                    f"{response.headers.get('Location', '')}"
                )
    assert not problems, "\n".join(problems)


@pytest.fixture
def many_clerks_app(backend: str) -> Iterator[Flask]:
    """One clerk per role logs in from the test's one address: more than the login limit."""
    app = make_test_app(backend, CLERK_LOGIN_RATE_LIMIT="100 per minute")
    yield app
    with app.app_context():
        db.engine.dispose()
    empty_all_tables(backend)


def test_a_clerk_without_the_role_is_refused_before_any_lookup(many_clerks_app: Flask) -> None:
    app = many_clerks_app
    form_roles = {definition.role for definition in DEFINITIONS.values()}
    clients: dict[Role | None, tuple[CheckingClient, str]] = {}

    def stranger_to(role: Role | None) -> tuple[CheckingClient, str]:
        """A clerk with every role but ``role`` (None: every role but the form services'), and
        never the admin role, which stands for every role."""
        if role not in clients:
            missing = ({role} if role is not None else form_roles) | {Role.ADMIN}
            username = f"ohne-{role.value if role else 'antraege'}".replace("_", "-")
            make_clerk(app, username=username, roles=sorted(set(Role) - missing))
            client = checking_client(app)
            logged_in = log_in_clerk(client, username)
            assert logged_in.status_code == 302, f"{username} could not log in"
            clients[role] = (client, csrf_token(client.get(f"{PREFIX}/")))
        return clients[role]

    problems = []
    checked = 0
    for rule in back_office_rules(app):
        if rule.endpoint in NOT_GATED or rule.endpoint in EVERY_CLERK:
            continue
        for target in knocks(app, rule):
            client, token = stranger_to(target.role)
            response = knock(client, token, target)
            checked += 1
            allowed = {403, 404} if rule.endpoint in NOT_FOUND_ALIKE else {403}
            if response.status_code not in allowed:
                problems.append(
                    f"{target.method} {target.url} without {target.role}: "
                    f"{response.status_code} {response.headers.get('Location', '')}"
                )
    assert checked > 20
    assert not problems, "\n".join(problems)


def test_another_services_upload_answers_like_a_missing_one(app: Flask) -> None:
    """A clerk of the youth office learns nothing about the citizen office's uploads."""
    import io
    import uuid

    from PIL import Image

    from server.extensions import db
    from server.forms.models import FormUpload

    citizen = checking_client(app)
    picture = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 200, 0)).save(picture, format="PNG")
    picture.seek(0)
    sent = citizen.post(
        "/antraege/belege-nachreichen/absenden",
        data={
            "submission_id": str(uuid.uuid4()),
            "aktenzeichen": "BG-2026-000001",
            "name": "Erika Muster",
            "belege": [(picture, "quittung.png")],
        },
        headers={"Accept": "application/json", "X-CSRFToken": csrf_token(citizen.get("/"))},
    )
    assert sent.status_code == 200, sent.get_data(as_text=True)
    with app.app_context():
        upload_id = db.session.query(FormUpload).one().id

    make_clerk(app, username="jugendamt", roles=[Role.YOUTH_OFFICE])
    youth = checking_client(app)
    log_in_clerk(youth, "jugendamt")
    foreign = youth.get(f"/verwaltung/antraege/datei/{upload_id}")
    missing = youth.get(f"/verwaltung/antraege/datei/{upload_id + 1000}")
    assert foreign.status_code == missing.status_code == 404

    make_clerk(app, username="bussgeld", roles=[Role.FINES])
    fines = checking_client(app)
    log_in_clerk(fines, "bussgeld")
    assert fines.get(f"/verwaltung/antraege/datei/{upload_id}").status_code == 403

    make_clerk(app, username="buergerbuero", roles=[Role.CITIZEN_OFFICE])
    office = checking_client(app)
    log_in_clerk(office, "buergerbuero")
    assert office.get(f"/verwaltung/antraege/datei/{upload_id}").status_code == 200
