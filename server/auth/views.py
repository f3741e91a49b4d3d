from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from server.auth import eid
from server.auth.citizens import citizen_from_eid
from server.auth.clerks import authenticate
from server.auth.forms import ClerkLoginForm
from server.auth.session import (
    current_citizen,
    end_session,
    start_citizen_session,
    start_clerk_session,
)
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


@bp.route("/konto")
def account() -> ResponseReturnValue:
    """The citizen's account, or the ways to log in."""
    citizen = current_citizen()
    needed = request.args.get("stufe")
    return render_page(
        "views/auth/account.html",
        citizen=citizen,
        trust_level=session.get("trust_level"),
        eid_enabled=eid.enabled(),
        needed=needed if needed in eid.TRUST_LEVELS else None,
        next=_next_target(),
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
    citizen = citizen_from_eid(identity)
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


@bp.route("/konto/abmelden", methods=["POST"])
def citizen_logout() -> ResponseReturnValue:
    id_token = session.get("id_token")
    end_session()
    provider_logout = eid.logout_url(id_token, public_url("auth.account"))
    return redirect(provider_logout or url_for("web.start"))
