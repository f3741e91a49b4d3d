"""The Postausgang admin page (/verwaltung/postausgang): how many mails wait for the mail
server, which ones the outbox gave up on and why, and a button to send one again. The rules
are in ``server.mail.failures``."""

from __future__ import annotations

from flask import Blueprint, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from server.auth.clerk_accounts import actor_name
from server.auth.forms import ConfirmForm
from server.auth.roles import Role
from server.auth.session import clerk_required, current_clerk
from server.mail.failures import SHOWN, backlog, failed_mails, send_again
from server.rendering import redirect_page, render_page

bp = Blueprint("outbox_office", __name__, url_prefix="/verwaltung/postausgang")


def _done(key: str | None) -> str | None:
    return {
        "erneut": _("Die Mail ist wieder im Postausgang und wird gleich gesendet."),
        "schon": _(
            "Diese Mail war nicht mehr fehlgeschlagen: Sie wurde schon erneut in den "
            "Postausgang gelegt oder inzwischen gesendet."
        ),
    }.get(key or "")


@bp.route("/")
@clerk_required(Role.ADMIN)
def overview() -> ResponseReturnValue:
    return render_page(
        "views/backoffice/outbox.html",
        backlog=backlog(),
        mails=failed_mails(),
        shown=SHOWN,
        done=_done(request.args.get("erledigt")),
    )


@bp.post("/<int:mail_id>/erneut")
@clerk_required(Role.ADMIN)
def again(mail_id: int) -> ResponseReturnValue:
    if not ConfirmForm().validate():
        return redirect_page(url_for(".overview"))
    key = "erneut" if send_again(mail_id, actor_name(current_clerk())) else "schon"
    return redirect_page(url_for(".overview", erledigt=key))
