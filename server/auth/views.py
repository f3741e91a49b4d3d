from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from server.audit import log as audit
from server.auth import eid
from server.auth.account_forms import CitizenLoginForm
from server.auth.citizens import EidLinkRefused, citizen_from_eid
from server.auth.clerks import authenticate
from server.auth.devices import device_name
from server.auth.forms import ClerkLoginForm
from server.auth.records import records_of
from server.auth.session import (
    current_citizen,
    current_session_token,
    end_all_sessions,
    end_session,
    session_expired,
    start_citizen_session,
    start_clerk_session,
)
from server.auth.session_store import end_session_by_id, sessions_of_citizen
from server.extensions import csrf, limiter
from server.logs import get_logger
from server.rendering import redirect_page, render_page
from server.security import is_safe_redirect
from server.urls import public_url

log = get_logger("auth")

bp = Blueprint("auth", __name__)


def _login_rate_limit() -> str:
    return str(current_app.config["CLERK_LOGIN_RATE_LIMIT"])


def _render_login(
    form: ClerkLoginForm, error: str | None = None, status: int = 200
) -> ResponseReturnValue:
    html = render_page(
        "views/auth/clerk_login.html",
        "partials/auth/clerk_login_form.html",
        form=form,
        error=error,
        next=_next_target(),
    )
    return html, status


def _next_target() -> str | None:
    target = request.values.get("next")
    return target if is_safe_redirect(target) else None


# The form checks its own CSRF token, so that an expired token re-renders the form with what was
# typed instead of a bare error page.
@bp.route("/verwaltung/anmelden", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(_login_rate_limit, methods=["POST"])
def clerk_login() -> ResponseReturnValue:
    form = ClerkLoginForm()
    if request.method == "GET":
        return _render_login(form)
    if not form.validate():
        if "csrf_token" in form.errors:
            return _render_login(
                form, _("Die Sitzung ist abgelaufen. Bitte melden Sie sich erneut an."), 400
            )
        return _render_login(form, status=422)
    clerk = authenticate(form.username.data or "", form.password.data or "")
    if clerk is None:
        return _render_login(form, _("Benutzername oder Passwort ist falsch."), 422)
    start_clerk_session(clerk)
    return redirect_page(_next_target() or url_for("backoffice.overview"))


@bp.errorhandler(429)
def too_many_attempts(_error: Exception) -> ResponseReturnValue:
    form = ClerkLoginForm()
    return _render_login(
        form,
        _(
            "Zu viele Anmeldeversuche. Bitte warten Sie einige Minuten "
            "und versuchen Sie es dann erneut."
        ),
        429,
    )


@bp.route("/verwaltung/abmelden", methods=["POST"])
def logout() -> ResponseReturnValue:
    end_session()
    return redirect_page(url_for("web.start"))


# --- citizens -----------------------------------------------------------------------------

EID_NEXT = "eid_next"
# Where the account page was sent after a step elsewhere (confirmation, new password, data).
ACCOUNT_NOTICES = ("bestaetigt", "passwort-neu", "daten")


@bp.route("/konto")
def account() -> ResponseReturnValue:
    """The citizen's account, or the ways to log in."""
    citizen = current_citizen()
    needed = request.args.get("stufe")
    notice = request.args.get("hinweis")
    return render_page(
        "views/auth/account.html",
        citizen=citizen,
        records=records_of(citizen.id) if citizen else [],
        sessions=sessions_of_citizen(citizen.id, current_session_token()) if citizen else [],
        device_name=device_name,
        expired=session_expired() or request.args.get("abgelaufen") == "1",
        trust_level=session.get("trust_level"),
        login_method=session.get("login_method", "eid"),
        eid_enabled=eid.enabled(),
        needed=needed if needed in eid.TRUST_LEVELS else None,
        next=_next_target(),
        login_form=CitizenLoginForm(formdata=None),
        notice=notice if notice in ACCOUNT_NOTICES else None,
    )


@bp.route("/auth/eid/login")
def eid_login() -> ResponseReturnValue:
    if not eid.enabled():
        abort(404)
    target = _next_target()
    session[EID_NEXT] = target or url_for("auth.account")
    try:
        return eid.start_login(public_url("auth.eid_callback"))
    except eid.EidLoginFailed as failure:
        return _eid_failed(failure)


@bp.route("/auth/eid/callback")
def eid_callback() -> ResponseReturnValue:
    if not eid.enabled():
        abort(404)
    try:
        identity = eid.finish_login()
    except eid.EidLoginFailed as failure:
        return _eid_failed(failure)
    target = session.pop(EID_NEXT, None)
    try:
        citizen = citizen_from_eid(identity, logged_in=current_citizen())
    except EidLinkRefused as refusal:
        log.warning("eID not linked", extra={"reason": refusal.reason})
        return render_page("views/auth/eid_link_refused.html", reason=refusal.reason), 409
    start_citizen_session(citizen, id_token=identity.id_token)
    return redirect(target if is_safe_redirect(target) else url_for("auth.account"))


def _eid_failed(failure: eid.EidLoginFailed) -> ResponseReturnValue:
    log.warning("eID login failed", extra={"reason": failure.reason, "detail": failure.detail})
    status = 502 if failure.reason == "unreachable" else 400
    missing = ""
    if failure.reason == "missing":
        missing = ", ".join(
            str(eid.MISSING_CLAIM_LABELS.get(name, name)) for name in failure.detail.split(", ")
        )
    return render_page("views/auth/eid_failed.html", reason=failure.reason, detail=missing), status


@bp.route("/konto/sitzungen/<short_id>/beenden", methods=["POST"])
def end_one_session(short_id: str) -> ResponseReturnValue:
    """End the session on another device (this one is ended with "Abmelden")."""
    citizen = current_citizen()
    if citizen is None:
        return redirect(url_for("auth.account"))
    if end_session_by_id(citizen.id, short_id):
        audit.record_now(f"citizen:{citizen.id}", "citizen.session.end", "citizen", citizen.id)
        flash(_("Die Sitzung auf dem anderen Gerät ist beendet."), "success")
    return redirect_page(url_for("auth.account"))


@bp.route("/konto/ueberall-abmelden", methods=["POST"])
def sign_out_everywhere() -> ResponseReturnValue:
    citizen = current_citizen()
    if citizen is None:
        return redirect(url_for("auth.account"))
    citizen_id = citizen.id
    id_token = session.get("id_token")
    ended = end_all_sessions(citizen_id)
    audit.record_now(
        f"citizen:{citizen_id}", "citizen.session.end_all", "citizen", citizen_id, str(ended)
    )
    flash(_("Sie sind jetzt auf allen Geräten abgemeldet."), "success")
    provider_logout = eid.logout_url(id_token, public_url("auth.account"))
    return redirect(provider_logout or url_for("auth.account"))


@bp.route("/konto/abmelden", methods=["POST"])
def citizen_logout() -> ResponseReturnValue:
    id_token = session.get("id_token")
    end_session()
    provider_logout = eid.logout_url(id_token, public_url("auth.account"))
    return redirect(provider_logout or url_for("web.start"))
