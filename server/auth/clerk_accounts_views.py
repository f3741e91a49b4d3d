"""Clerk accounts for administrators (/verwaltung/konten): list, create, roles, deactivate,
password and second-factor resets. The rules live in ``server.auth.clerk_accounts``."""

from __future__ import annotations

from flask import Blueprint, abort, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from server.auth import clerk_accounts as accounts
from server.auth.clerk_accounts import Account, ChangeRefused, Refusal
from server.auth.clerks import ClerkError, UsernameTaken, create_clerk
from server.auth.forms import ConfirmForm, NewClerkForm, PasswordResetForm, RolesForm
from server.auth.models import Clerk
from server.auth.roles import Role
from server.auth.session import clerk_required, current_clerk
from server.rendering import redirect_page, render_page

bp = Blueprint("clerk_accounts", __name__, url_prefix="/verwaltung/konten")


def _admin() -> Clerk:
    clerk = current_clerk()
    assert clerk is not None
    return clerk


def _account(clerk_id: int) -> Account:
    account = accounts.get_account(clerk_id)
    if account is None:
        abort(404)
    return account


def refusal_message(reason: Refusal) -> str:
    return {
        Refusal.OWN_ADMIN_ROLE: _(
            "Sie können sich die Rolle Administration nicht selbst entziehen. Bitten Sie eine "
            "andere Person mit dieser Rolle darum."
        ),
        Refusal.SELF_DEACTIVATION: _("Sie können Ihr eigenes Konto nicht deaktivieren."),
        Refusal.LAST_ADMIN: _(
            "Dies ist das letzte aktive Konto mit der Rolle Administration. Geben Sie zuerst "
            "einem anderen Konto diese Rolle."
        ),
    }[reason]


def done_message(key: str | None) -> str | None:
    return {
        "angelegt": _(
            "Das Konto ist angelegt. Geben Sie der Person Benutzername und erstes Passwort "
            "persönlich. Bei der ersten Anmeldung richtet sie den zweiten Faktor ein."
        ),
        "rollen": _("Die Rollen sind gespeichert. Sie gelten ab dem nächsten Seitenaufruf."),
        "deaktiviert": _("Das Konto ist deaktiviert. Offene Sitzungen enden sofort."),
        "aktiviert": _("Das Konto ist wieder aktiv."),
        "passwort": _("Das neue Passwort ist gesetzt. Geben Sie es der Person persönlich weiter."),
        "zweiter-faktor": _(
            "Der zweite Faktor ist zurückgesetzt. Bei der nächsten Anmeldung richtet die "
            "Person ihn neu ein."
        ),
    }.get(key or "")


@bp.route("/")
@clerk_required(Role.ADMIN)
def account_list() -> ResponseReturnValue:
    return render_page("views/auth/accounts/list.html", accounts=accounts.list_accounts())


@bp.route("/neu", methods=["GET", "POST"])
@clerk_required(Role.ADMIN)
def new_account() -> ResponseReturnValue:
    form = NewClerkForm()
    if request.method == "GET" or not form.validate():
        status = 422 if request.method == "POST" else 200
        return render_page("views/auth/accounts/new.html", form=form), status
    try:
        clerk = create_clerk(
            username=form.username.data or "",
            display_name=form.display_name.data or "",
            password=form.password.data or "",
            roles=[Role(value) for value in form.roles.data or []],
            actor=accounts.actor_name(_admin()),
        )
    except UsernameTaken:
        form.username.errors = [_("Diesen Benutzernamen gibt es schon.")]
        return render_page("views/auth/accounts/new.html", form=form), 422
    return redirect_page(url_for(".account", clerk_id=clerk.id, erledigt="angelegt"))


def _render_account(
    account: Account,
    *,
    roles_form: RolesForm | None = None,
    password_form: PasswordResetForm | None = None,
    error: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    if roles_form is None:
        roles_form = RolesForm(formdata=None, roles=sorted(r.value for r in account.clerk.roles))
    return render_page(
        "views/auth/accounts/clerk.html",
        account=account,
        clerk=account.clerk,
        is_self=account.clerk.id == _admin().id,
        roles_form=roles_form,
        password_form=password_form or PasswordResetForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None),
        error=error,
        done=done_message(request.args.get("erledigt")),
    ), status


def _done(account: Account, key: str) -> ResponseReturnValue:
    return redirect_page(url_for(".account", clerk_id=account.clerk.id, erledigt=key))


@bp.route("/<int:clerk_id>")
@clerk_required(Role.ADMIN)
def account(clerk_id: int) -> ResponseReturnValue:
    return _render_account(_account(clerk_id))


@bp.route("/<int:clerk_id>/rollen", methods=["POST"])
@clerk_required(Role.ADMIN)
def change_roles(clerk_id: int) -> ResponseReturnValue:
    account = _account(clerk_id)
    form = RolesForm()
    if not form.validate():
        return _render_account(account, roles_form=form, status=422)
    try:
        accounts.set_roles(
            account.clerk, [Role(value) for value in form.roles.data or []], actor=_admin()
        )
    except ChangeRefused as refused:
        return _render_account(
            account, roles_form=form, error=refusal_message(refused.reason), status=422
        )
    return _done(account, "rollen")


def _set_active(clerk_id: int, active: bool) -> ResponseReturnValue:
    account = _account(clerk_id)
    if not ConfirmForm().validate():
        abort(400)
    try:
        accounts.set_active(account.clerk, active, actor=_admin())
    except ChangeRefused as refused:
        return _render_account(account, error=refusal_message(refused.reason), status=422)
    return _done(account, "aktiviert" if active else "deaktiviert")


@bp.route("/<int:clerk_id>/deaktivieren", methods=["POST"])
@clerk_required(Role.ADMIN)
def deactivate(clerk_id: int) -> ResponseReturnValue:
    return _set_active(clerk_id, False)


@bp.route("/<int:clerk_id>/aktivieren", methods=["POST"])
@clerk_required(Role.ADMIN)
def reactivate(clerk_id: int) -> ResponseReturnValue:
    return _set_active(clerk_id, True)


@bp.route("/<int:clerk_id>/passwort", methods=["POST"])
@clerk_required(Role.ADMIN)
def reset_password(clerk_id: int) -> ResponseReturnValue:
    account = _account(clerk_id)
    form = PasswordResetForm()
    if not form.validate():
        return _render_account(account, password_form=form, status=422)
    try:
        accounts.reset_password(account.clerk, form.password.data or "", actor=_admin())
    except ClerkError:  # the form's rules are the domain's; this is the last line
        form.password.errors = [_("Dieses Passwort ist nicht zulässig.")]
        return _render_account(account, password_form=form, status=422)
    return _done(account, "passwort")


@bp.route("/<int:clerk_id>/zweiter-faktor", methods=["POST"])
@clerk_required(Role.ADMIN)
def reset_second_factor(clerk_id: int) -> ResponseReturnValue:
    account = _account(clerk_id)
    if not ConfirmForm().validate():
        abort(400)
    accounts.reset_second_factor(account.clerk, actor=_admin())
    return _done(account, "zweiter-faktor")
