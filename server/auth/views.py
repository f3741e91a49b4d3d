from __future__ import annotations

from flask import Blueprint, current_app, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from server.auth.clerks import authenticate
from server.auth.forms import ClerkLoginForm
from server.auth.session import end_session, start_clerk_session
from server.extensions import csrf, limiter
from server.rendering import redirect_page, render_page
from server.security import is_safe_redirect

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
