"""The development mail page: what the portal would have sent, readable in the browser.

Only where ``DEV_MAIL_PAGE`` is on and mail is written to files (``MAIL_BACKEND=file``), never in
production: the page shows everyone's mails, links to confirm accounts and reset passwords
included."""

from __future__ import annotations

from flask import Blueprint, abort, current_app
from flask.typing import ResponseReturnValue

from server.mail.outbox import recent_mails
from server.rendering import render_page

bp = Blueprint("dev_mail", __name__)
SHOWN = 50


def page_enabled() -> bool:
    config = current_app.config
    return (
        bool(config["DEV_MAIL_PAGE"])
        and config["PORTAL_ENV"] != "production"
        and config["MAIL_BACKEND"] == "file"
    )


@bp.route("/entwicklung/post")
def outbox() -> ResponseReturnValue:
    if not page_enabled():
        abort(404)
    return render_page("views/mail/dev_outbox.html", mails=recent_mails(SHOWN), shown=SHOWN)
