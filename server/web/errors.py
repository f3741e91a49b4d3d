"""Translated error pages for everything a person or a peer can get wrong."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from server.logs import get_logger

log = get_logger("web")

MESSAGES = {
    400: (
        _l("Anfrage nicht verständlich"),
        _l(
            "Die Anfrage konnte nicht verarbeitet werden. Bitte gehen Sie zurück und versuchen "
            "Sie es erneut."
        ),
    ),
    403: (
        _l("Keine Berechtigung"),
        _l(
            "Für diese Seite fehlt Ihnen die Berechtigung. Wenden Sie sich an die "
            "Administration, wenn Sie sie brauchen."
        ),
    ),
    404: (
        _l("Seite nicht gefunden"),
        _l(
            "Diese Adresse gibt es nicht. Prüfen Sie die Schreibweise oder beginnen Sie auf der "
            "Startseite."
        ),
    ),
    405: (_l("Aktion nicht möglich"), _l("Diese Aktion ist auf dieser Seite nicht möglich.")),
    413: (
        _l("Datei zu groß"),
        _l(
            "Die gesendeten Daten sind zu groß. Bitte verkleinern Sie die Dateien und versuchen "
            "Sie es erneut."
        ),
    ),
    429: (
        _l("Zu viele Anfragen"),
        _l("Sie haben zu viele Anfragen in kurzer Zeit gesendet. Bitte warten Sie einige Minuten."),
    ),
    500: (
        _l("Ein Fehler ist aufgetreten"),
        _l(
            "Bei uns ist ein Fehler aufgetreten. Ihre Eingaben wurden nicht gespeichert; bitte "
            "versuchen Sie es später erneut."
        ),
    ),
}

CSRF_MESSAGE = (
    _l("Sitzung abgelaufen"),
    _l(
        "Aus Sicherheitsgründen ist die Seite abgelaufen. Gehen Sie zurück, laden Sie "
        "die Seite neu und senden Sie das Formular noch einmal."
    ),
)


def _render(status: int, title: object, message: object) -> ResponseReturnValue:
    return render_template(
        "views/errors/error.html", status=status, title=title, message=message
    ), status


def handle_http_error(error: HTTPException) -> ResponseReturnValue:
    status = error.code or 500
    title, message = MESSAGES.get(status, MESSAGES[400 if status < 500 else 500])
    return _render(status, title, message)


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > 0


def handle_csrf_error(_error: CSRFError) -> ResponseReturnValue:
    if _wants_json():
        # Scripts sending a queued form (the offline drafts) learn to fetch a fresh token.
        return jsonify(status="csrf", message=str(CSRF_MESSAGE[1])), 400
    return _render(400, *CSRF_MESSAGE)


def handle_unexpected_error(error: Exception) -> ResponseReturnValue:
    log.exception("unhandled error", exc_info=error)
    return _render(500, *MESSAGES[500])


def init_errors(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected_error)
