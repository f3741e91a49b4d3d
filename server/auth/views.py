from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from server import ratelimits
from server.audit import log as audit
from server.auth import eid, pending, second_factor, security_keys, totp
from server.auth.account_forms import CitizenLoginForm
from server.auth.citizens import EidLinkRefused, citizen_from_eid
from server.auth.clerks import authenticate
from server.auth.devices import device_name
from server.auth.forms import ClerkLoginForm, SecondFactorForm
from server.auth.models import Clerk
from server.auth.records import records_of
from server.auth.second_factor import CodeCheck
from server.auth.session import (
    current_citizen,
    current_session_token,
    end_all_sessions,
    end_session,
    session_expired,
    start_citizen_session,
)
from server.auth.session_store import end_session_by_id, sessions_of_citizen
from server.auth.wallet.setup import enabled as wallet_enabled
from server.extensions import csrf
from server.logs import get_logger
from server.mail.postfach import postfach_of
from server.rendering import redirect_page, render_page
from server.security import clear_browser_cache, safe_redirect_target
from server.urls import public_url

log = get_logger("auth")

bp = Blueprint("auth", __name__)


def _login_rate_limit() -> str:
    return str(current_app.config["CLERK_LOGIN_RATE_LIMIT"])


def _code_rate_limit() -> str:
    return str(current_app.config["CLERK_CODE_RATE_LIMIT"])


def _code_limit_key() -> str:
    # Per account, not per address: guessing one clerk's codes from many addresses is throttled
    # just the same.
    clerk_id = pending.pending_clerk_id()
    return f"clerk:{clerk_id}" if clerk_id is not None else f"addr:{get_remote_address()}"


code_limit = ratelimits.shared_limit(
    ratelimits.LOGIN,
    _code_rate_limit,
    scope="clerk-code",
    key_func=_code_limit_key,
    methods=["POST"],
)


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
    return safe_redirect_target(request.values.get("next"))


# The form checks its own CSRF token, so that an expired token re-renders the form with what was
# typed instead of a bare error page.
@bp.route("/verwaltung/anmelden", methods=["GET", "POST"])
@csrf.exempt
@ratelimits.limit(ratelimits.LOGIN, _login_rate_limit, methods=["POST"])
def clerk_login() -> ResponseReturnValue:
    form = ClerkLoginForm()
    if request.method == "GET":
        if request.args.get("abgelaufen"):
            return _render_login(form, _expired_message())
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
    # The password alone logs nobody in: the second factor follows.
    pending.begin(clerk, _next_target())
    if second_factor.is_enrolled(clerk):
        return redirect_page(url_for("auth.clerk_code"))
    second_factor.start_enrolment(clerk)
    return redirect_page(url_for("auth.clerk_enrol"))


def _expired_message() -> str:
    return _("Die Anmeldung ist abgelaufen. Bitte geben Sie Ihr Passwort erneut ein.")


def _restart_login() -> ResponseReturnValue:
    """No (or no longer a) pending login: back to the password, saying why if it ran out."""
    ran_out = pending.expired()
    pending.clear()
    return redirect_page(url_for("auth.clerk_login", abgelaufen="1" if ran_out else None))


def _logged_in(clerk: Clerk) -> ResponseReturnValue:
    return redirect_page(pending.finish(clerk))


def _code_error(outcome: CodeCheck, *, enrolling: bool) -> tuple[str, int]:
    if outcome is CodeCheck.REPLAYED:
        return _(
            "Dieser Code wurde schon verwendet. Bitte warten Sie, bis Ihre App einen neuen "
            "Code zeigt, und geben Sie diesen ein."
        ), 422
    if outcome is CodeCheck.UNREADABLE:
        return _(
            "Ihr zweiter Faktor kann gerade nicht geprüft werden. Bitte wenden Sie sich an die "
            "Administration; sie kann ihn zurücksetzen."
        ), 422
    if enrolling:
        return _(
            "Der Code passt nicht. Prüfen Sie, ob Sie den Schlüssel richtig übernommen haben "
            "und die Uhrzeit Ihres Geräts stimmt, und geben Sie den aktuellen Code ein."
        ), 422
    return _(
        "Der Code ist nicht richtig. Bitte geben Sie den aktuellen Code aus Ihrer "
        "Authenticator-App ein."
    ), 422


def _render_code(
    form: SecondFactorForm, error: str | None = None, status: int = 200
) -> ResponseReturnValue:
    form.code.data = ""  # a wrong or used code is worth nothing: the field starts empty
    clerk = pending.pending_clerk()
    html = render_page(
        "views/auth/clerk_code.html",
        "partials/auth/clerk_code_form.html",
        form=form,
        error=error,
        security_keys=clerk is not None and security_keys.has_keys(clerk),
    )
    return html, status


def _render_enrol(
    clerk: Clerk, form: SecondFactorForm, error: str | None = None, status: int = 200
) -> ResponseReturnValue:
    secret = second_factor.enrolment_secret(clerk)
    if secret is None:  # reset meanwhile, or unreadable: start with a fresh one
        second_factor.start_enrolment(clerk)
        secret = second_factor.enrolment_secret(clerk)
        assert secret is not None
    uri = totp.provisioning_uri(
        secret,
        account=clerk.username,
        issuer=f"Bürgerportal {current_app.config['PORTAL_CITY_NAME']}",
    )
    form.code.data = ""
    html = render_page(
        "views/auth/clerk_enrol.html",
        "partials/auth/clerk_enrol_form.html",
        form=form,
        error=error,
        clerk=clerk,
        qr_code=totp.qr_data_uri(uri),
        secret=totp.grouped(secret),
    )
    return html, status


def _checked_form(
    render: Callable[..., ResponseReturnValue],
) -> tuple[SecondFactorForm, ResponseReturnValue | None]:
    form = SecondFactorForm()
    if form.validate():
        return form, None
    if "csrf_token" in form.errors:
        message = _("Die Sitzung ist abgelaufen. Bitte geben Sie den Code erneut ein.")
        return form, render(form, message, 400)
    return form, render(form, None, 422)


@bp.route("/verwaltung/anmelden/code", methods=["GET", "POST"])
@csrf.exempt
@code_limit
def clerk_code() -> ResponseReturnValue:
    clerk = pending.pending_clerk()
    if clerk is None:
        return _restart_login()
    if not second_factor.is_enrolled(clerk):
        return redirect_page(url_for("auth.clerk_enrol"))
    if request.method == "GET":
        return _render_code(SecondFactorForm())
    form, invalid = _checked_form(_render_code)
    if invalid is not None:
        return invalid
    outcome = second_factor.check_code(clerk, form.code.data or "")
    if outcome is CodeCheck.ACCEPTED:
        return _logged_in(clerk)
    message, status = _code_error(outcome, enrolling=False)
    return _render_code(form, message, status)


@bp.route("/verwaltung/anmelden/einrichten", methods=["GET", "POST"])
@csrf.exempt
@code_limit
def clerk_enrol() -> ResponseReturnValue:
    clerk = pending.pending_clerk()
    if clerk is None:
        return _restart_login()
    if second_factor.is_enrolled(clerk):
        # Enrolment never replaces a confirmed factor; only an administrator's reset does.
        return redirect_page(url_for("auth.clerk_code"))

    def render(
        form: SecondFactorForm, error: str | None = None, status: int = 200
    ) -> ResponseReturnValue:
        return _render_enrol(clerk, form, error, status)

    if request.method == "GET":
        return render(SecondFactorForm())
    form, invalid = _checked_form(render)
    if invalid is not None:
        return invalid
    outcome = second_factor.confirm_enrolment(clerk, form.code.data or "")
    if outcome is CodeCheck.ACCEPTED:
        return _logged_in(clerk)
    message, status = _code_error(outcome, enrolling=True)
    return render(form, message, status)


@bp.errorhandler(429)
def too_many_attempts(_error: Exception) -> ResponseReturnValue:
    if request.endpoint in ("auth.clerk_code", "auth.clerk_enrol"):
        message = _(
            "Zu viele Versuche mit dem Code. Bitte warten Sie einige Minuten "
            "und versuchen Sie es dann erneut."
        )
        clerk = pending.pending_clerk()
        if request.endpoint == "auth.clerk_enrol" and clerk is not None:
            return _render_enrol(clerk, SecondFactorForm(), message, 429)
        return _render_code(SecondFactorForm(), message, 429)
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
    return clear_browser_cache(redirect_page(url_for("web.start")))


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
        postfach=postfach_of(citizen.id) if citizen else [],
        sessions=sessions_of_citizen(citizen.id, current_session_token()) if citizen else [],
        device_name=device_name,
        expired=session_expired() or request.args.get("abgelaufen") == "1",
        trust_level=session.get("trust_level"),
        login_method=session.get("login_method", "eid"),
        eid_enabled=eid.enabled(),
        wallet_enabled=wallet_enabled(),
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
    return redirect(safe_redirect_target(target) or url_for("auth.account"))


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
    else:
        # Ended a moment ago (from this device or another): the list shows what is left.
        flash(_("Diese Sitzung ist schon beendet."), "info")
    return redirect_page(url_for("auth.account"))


@bp.route("/konto/ueberall-abmelden", methods=["POST"])
def sign_out_everywhere() -> ResponseReturnValue:
    citizen = current_citizen()
    if citizen is None:
        return redirect(url_for("auth.account"))
    citizen_id = citizen.id
    id_token = session.get("id_token")
    ended = end_all_sessions(citizen_id)
    if ended:
        audit.record_now(
            f"citizen:{citizen_id}", "citizen.session.end_all", "citizen", citizen_id, str(ended)
        )
        flash(_("Sie sind jetzt auf allen Geräten abgemeldet."), "success")
    else:
        # Another device signed out everywhere a moment ago, this session with the others.
        flash(_("Sie sind schon auf allen Geräten abgemeldet."), "info")
    provider_logout = eid.logout_url(id_token, public_url("auth.account"))
    return clear_browser_cache(redirect(provider_logout or url_for("auth.account")))


@bp.route("/konto/abmelden", methods=["POST"])
def citizen_logout() -> ResponseReturnValue:
    id_token = session.get("id_token")
    end_session()
    provider_logout = eid.logout_url(id_token, public_url("auth.account"))
    return clear_browser_cache(redirect(provider_logout or url_for("web.start")))
