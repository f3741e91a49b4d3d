"""Citizen accounts with e-mail address and password: login, registration, e-mail links,
password reset and the citizen's own data. The account page itself is ``auth.account``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from server import ratelimits
from server.auth import accounts, eid, throttle
from server.auth.account_forms import (
    CitizenLoginForm,
    EmailForm,
    NewPasswordForm,
    PersonalDataForm,
    RegistrationForm,
    RenewLinkForm,
)
from server.auth.account_tokens import LinkState
from server.auth.accounts import (
    LoginOutcome,
    PersonalData,
    Renewal,
    authenticate,
    confirm,
    confirmation_link,
    find_account,
    normalise_email,
    record_throttled,
    register,
    renew_link,
    request_reset,
    resend_confirmation,
    reset_link,
    update_personal_data,
)
from server.auth.models import TokenPurpose
from server.auth.password_policy import password_problem
from server.auth.session import (
    citizen_required,
    current_citizen,
    end_sessions_after_password_change,
    start_citizen_session,
)
from server.extensions import csrf
from server.portal_form import PortalForm
from server.rendering import redirect_page, render_page
from server.security import safe_redirect_target

bp = Blueprint("accounts", __name__)


def _mail_rate_limit() -> str:
    return str(current_app.config["ACCOUNT_MAIL_RATE_LIMIT"])


def _next_target() -> str | None:
    return safe_redirect_target(request.values.get("next"))


def _expired_form(form: PortalForm) -> bool:
    return "csrf_token" in form.errors


def _form_error(form: PortalForm) -> str | None:
    """The message for a form whose token expired (the fields keep what was typed)."""
    if _expired_form(form):
        return _("Die Sitzung ist abgelaufen. Bitte senden Sie das Formular noch einmal.")
    return None


# --- login -----------------------------------------------------------------------------


def render_chooser(form: CitizenLoginForm, status: int = 200, **extra: Any) -> tuple[str, int]:
    """The logged-out account page (eID or password), or only its password form for htmx."""
    html = render_page(
        "views/auth/account.html",
        "partials/auth/citizen_login_form.html",
        citizen=None,
        login_form=form,
        eid_enabled=eid.enabled(),
        needed=None,
        next=_next_target(),
        **extra,
    )
    return html, status


@bp.route("/konto/anmelden", methods=["POST"])
@csrf.exempt  # the form checks its token itself and keeps what was typed when it expired
def login() -> ResponseReturnValue:
    form = CitizenLoginForm()
    if not form.validate():
        if _expired_form(form):
            return render_chooser(form, 400, login_error=_form_error(form))
        return render_chooser(form, 422)
    email = normalise_email(form.email.data or "")
    account = find_account(email)
    device = throttle.known_device(account.id if account is not None else None)
    throttled = throttle.check_login(email, device)
    if throttled is not None:
        record_throttled(email, throttled.scope)
        page, status = render_chooser(form, 429, throttled=throttled)
        return page, status, {"Retry-After": str(throttled.retry_after)}
    result = authenticate(email, form.password.data or "")
    if result.outcome is LoginOutcome.WRONG:
        throttle.record_failure(email, device)
        return render_chooser(form, 422, login_error=_("E-Mail-Adresse oder Passwort ist falsch."))
    if result.outcome is LoginOutcome.UNCONFIRMED:
        return render_chooser(form, 422, unconfirmed=True)
    assert result.citizen is not None
    start_citizen_session(result.citizen, id_token=None, method="password")
    response = redirect_page(_next_target() or url_for("auth.account"))
    throttle.remember_device(response, result.citizen.id)
    return response


# --- registration and confirmation ---------------------------------------------------------


def _link_problem(state: LinkState, purpose: TokenPurpose, token: str) -> ResponseReturnValue:
    status = {LinkState.UNKNOWN: 404, LinkState.EXPIRED: 410, LinkState.USED: 410}[state]
    return render_page(
        "views/auth/link_problem.html",
        state=state.value,
        purpose=purpose.value,
        renew_form=RenewLinkForm(token=token, purpose=purpose.value, formdata=None),
        email_form=EmailForm(formdata=None),
    ), status


@bp.route("/konto/registrieren", methods=["GET", "POST"])
@csrf.exempt
@ratelimits.limit(ratelimits.OTHER, _mail_rate_limit, methods=["POST"])
def register_account() -> ResponseReturnValue:
    form = RegistrationForm()
    if request.method == "GET":
        return render_page(
            "views/auth/register.html", "partials/auth/register_form.html", form=form
        )
    valid = form.validate()
    if valid:
        problem = password_problem(form.password.data or "", form.email.data)
        if problem:
            form.password.errors = [problem]
            valid = False
    if not valid:
        status = 400 if _expired_form(form) else 422
        return render_page(
            "views/auth/register.html",
            "partials/auth/register_form.html",
            form=form,
            error=_form_error(form),
        ), status
    email = normalise_email(form.email.data or "")
    register(email, form.password.data or "")
    # The same page whether or not the address had an account.
    return redirect_page(url_for("accounts.mail_sent", art="registrierung"))


@bp.route("/konto/post-unterwegs")
def mail_sent() -> ResponseReturnValue:
    """What happens next after any request that sends an account mail."""
    kind = request.args.get("art", "")
    if kind not in ("registrierung", "passwort", "neuer-link", "bestaetigung"):
        kind = "bestaetigung"
    return render_page(
        "views/auth/mail_sent.html",
        kind=kind,
        confirm_hours=current_app.config["ACCOUNT_CONFIRM_LINK_HOURS"],
        reset_minutes=current_app.config["PASSWORD_RESET_LINK_MINUTES"],
    )


@bp.route("/konto/bestaetigen/<token>", methods=["GET", "POST"])
def confirm_account(token: str) -> ResponseReturnValue:
    # A GET only shows the button: mail scanners that open links must not confirm anything.
    link = confirmation_link(token) if request.method == "GET" else confirm(token)
    if link.state is LinkState.VALID and request.method == "POST":
        return redirect(url_for("auth.account", hinweis="bestaetigt"))
    if link.state is LinkState.USED and link.token is not None and link.token.citizen.confirmed:
        return redirect(url_for("auth.account", hinweis="bestaetigt"))
    if link.state is not LinkState.VALID:
        return _link_problem(link.state, TokenPurpose.CONFIRM, token)
    return render_page("views/auth/confirm.html", token=token)


@bp.route("/konto/bestaetigung-senden", methods=["POST"])
@ratelimits.limit(ratelimits.OTHER, _mail_rate_limit)
def resend_confirmation_link() -> ResponseReturnValue:
    form = EmailForm()
    if not form.validate():
        return render_page("views/auth/resend.html", form=form), 422
    resend_confirmation(form.email.data or "")
    return redirect_page(url_for("accounts.mail_sent", art="bestaetigung"))


@bp.route("/konto/neuer-link", methods=["POST"])
@ratelimits.limit(ratelimits.OTHER, _mail_rate_limit)
def renew() -> ResponseReturnValue:
    form = RenewLinkForm()
    purposes = {purpose.value: purpose for purpose in TokenPurpose}
    if not form.validate() or form.purpose.data not in purposes:
        return _link_problem(LinkState.UNKNOWN, TokenPurpose.CONFIRM, "")
    purpose = purposes[form.purpose.data or ""]
    outcome = renew_link(form.token.data or "", purpose)
    if outcome is Renewal.CONFIRMED:
        return redirect(url_for("auth.account", hinweis="bestaetigt"))
    if outcome is Renewal.UNKNOWN:
        return _link_problem(LinkState.UNKNOWN, purpose, "")
    return redirect(url_for("accounts.mail_sent", art="neuer-link"))


# --- password reset ----------------------------------------------------------------------


@bp.route("/konto/passwort-vergessen", methods=["GET", "POST"])
@csrf.exempt
@ratelimits.limit(ratelimits.OTHER, _mail_rate_limit, methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    form = EmailForm()
    if request.method == "POST" and form.validate():
        request_reset(form.email.data or "")
        return redirect_page(url_for("accounts.mail_sent", art="passwort"))
    status = 422 if request.method == "POST" else 200
    return render_page(
        "views/auth/forgot_password.html",
        "partials/auth/forgot_password_form.html",
        form=form,
        error=_form_error(form),
    ), status


@bp.route("/konto/passwort-neu/<token>", methods=["GET", "POST"], endpoint="reset_password")
@csrf.exempt
def reset_password_page(token: str) -> ResponseReturnValue:
    link = reset_link(token)
    if link.state is not LinkState.VALID or link.token is None:
        return _link_problem(link.state, TokenPurpose.RESET, token)
    form = NewPasswordForm()
    if request.method == "POST":
        valid = form.validate()
        if valid:
            problem = password_problem(form.password.data or "", link.token.citizen.login_email)
            if problem:
                form.password.errors = [problem]
                valid = False
        if valid:
            citizen = accounts.reset_password(link, form.password.data or "")
            if citizen is None:
                return _link_problem(LinkState.USED, TokenPurpose.RESET, token)
            end_sessions_after_password_change(citizen.id)
            return redirect_page(url_for("auth.account", hinweis="passwort-neu"))
        return render_page(
            "views/auth/reset_password.html", form=form, token=token, error=_form_error(form)
        ), 422
    return render_page("views/auth/reset_password.html", form=form, token=token)


# --- the citizen's own data --------------------------------------------------------------


@bp.route("/konto/daten", methods=["GET", "POST"])
@csrf.exempt
@citizen_required("low")
def personal_data() -> ResponseReturnValue:
    citizen = current_citizen()
    assert citizen is not None
    if citizen.has_eid:
        return render_page("views/auth/personal_data.html", citizen=citizen, form=None)
    form = PersonalDataForm(obj=citizen if request.method == "GET" else None)
    if request.method == "POST":
        if not form.validate():
            return render_page(
                "views/auth/personal_data.html",
                citizen=citizen,
                form=form,
                error=_form_error(form),
            ), 422
        update_personal_data(
            citizen,
            PersonalData(
                given_name=form.given_name.data or "",
                family_name=form.family_name.data or "",
                street=form.street.data or "",
                postal_code=form.postal_code.data or "",
                locality=form.locality.data or "",
            ),
        )
        return redirect_page(url_for("auth.account", hinweis="daten"))
    return render_page("views/auth/personal_data.html", citizen=citizen, form=form)
