"""Security keys and passkeys (WebAuthn): adding and removing them (/verwaltung/zweiter-faktor)
and confirming a login with one (JSON endpoints the page's script calls)."""

from __future__ import annotations

import base64
from typing import Any

from flask import Blueprint, jsonify, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from server.auth import pending, security_keys
from server.auth.models import Clerk
from server.auth.session import clerk_required, current_clerk
from server.auth.views import code_limit
from server.rendering import redirect_page, render_page

bp = Blueprint("security_keys", __name__)

CHALLENGE = "webauthn_challenge"


def _keep_challenge(challenge: bytes) -> None:
    session[CHALLENGE] = base64.urlsafe_b64encode(challenge).decode("ascii")


def _take_challenge() -> bytes | None:
    # Each challenge answers once: taken out of the session whatever the outcome.
    kept = session.pop(CHALLENGE, None)
    return base64.urlsafe_b64decode(kept) if isinstance(kept, str) else None


def _credential() -> dict[str, Any] | None:
    body = request.get_json(silent=True)
    credential = body.get("credential") if isinstance(body, dict) else None
    return credential if isinstance(credential, dict) else None


def _refused(message: str, status: int = 422) -> ResponseReturnValue:
    return jsonify(error=message), status


def _json_options(options: str) -> ResponseReturnValue:
    response = jsonify()
    response.set_data(options)
    return response


# --- at the login ---------------------------------------------------------------------------


@bp.route("/verwaltung/anmelden/schluessel/optionen", methods=["POST"])
@code_limit
def login_options() -> ResponseReturnValue:
    clerk = pending.pending_clerk()
    if clerk is None or not security_keys.has_keys(clerk):
        return _refused(_("Die Anmeldung ist abgelaufen. Bitte melden Sie sich erneut an."), 409)
    options, challenge = security_keys.authentication_options(clerk)
    _keep_challenge(challenge)
    return _json_options(options)


@bp.route("/verwaltung/anmelden/schluessel", methods=["POST"])
@code_limit
def login_with_key() -> ResponseReturnValue:
    clerk = pending.pending_clerk()
    challenge = _take_challenge()
    if clerk is None or challenge is None:
        return _refused(_("Die Anmeldung ist abgelaufen. Bitte melden Sie sich erneut an."), 409)
    credential = _credential()
    if credential is None or not security_keys.verify_login(clerk, credential, challenge):
        return _refused(
            _(
                "Der Sicherheitsschlüssel wurde nicht erkannt. Versuchen Sie es erneut oder "
                "geben Sie den Code aus Ihrer Authenticator-App ein."
            )
        )
    return jsonify(redirect=pending.finish(clerk))


# --- managing one's keys --------------------------------------------------------------------


def _me() -> Clerk:
    clerk = current_clerk()
    assert clerk is not None
    return clerk


@bp.route("/verwaltung/zweiter-faktor")
@clerk_required()
def manage() -> ResponseReturnValue:
    done = {
        "hinzugefuegt": _("Der Sicherheitsschlüssel ist hinzugefügt."),
        "entfernt": _("Der Sicherheitsschlüssel ist entfernt."),
        "schon-entfernt": _("Dieser Sicherheitsschlüssel ist schon entfernt."),
    }.get(request.args.get("erledigt", ""))
    return render_page(
        "views/auth/security_keys.html", keys=security_keys.keys_of(_me()), done=done
    )


@bp.route("/verwaltung/zweiter-faktor/optionen", methods=["POST"])
@clerk_required()
def add_options() -> ResponseReturnValue:
    options, challenge = security_keys.registration_options(_me())
    _keep_challenge(challenge)
    return _json_options(options)


@bp.route("/verwaltung/zweiter-faktor/schluessel", methods=["POST"])
@clerk_required()
def add_key() -> ResponseReturnValue:
    challenge = _take_challenge()
    credential = _credential()
    body = request.get_json(silent=True)
    name = body.get("name") if isinstance(body, dict) else None
    if challenge is None or credential is None:
        return _refused(_("Bitte versuchen Sie es erneut."))
    try:
        security_keys.add_key(_me(), credential, challenge, name if isinstance(name, str) else "")
    except security_keys.KeyRefused:
        return _refused(
            _(
                "Der Sicherheitsschlüssel konnte nicht hinzugefügt werden. Vielleicht ist er "
                "schon eingetragen; sonst versuchen Sie es bitte erneut."
            )
        )
    return jsonify(redirect=url_for(".manage", erledigt="hinzugefuegt"))


@bp.route("/verwaltung/zweiter-faktor/<int:key_id>/entfernen", methods=["POST"])
@clerk_required()
def remove_key(key_id: int) -> ResponseReturnValue:
    if not security_keys.remove_key(_me(), key_id):
        # Removed meanwhile (a second click, another tab): the list shows what is left.
        return redirect_page(url_for(".manage", erledigt="schon-entfernt"))
    return redirect_page(url_for(".manage", erledigt="entfernt"))
