"""Translated error pages for everything a person or a peer can get wrong."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from limits.errors import StorageError as RateLimitStorageError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from server.db import unreachable
from server.files.storage import StorageError as FileStorageError
from server.logs import get_logger
from server.ratelimits import RETRY_AFTER_SECONDS, LimitUnavailable

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


# Answers while something the portal needs is down (the fault drills, tests/drills/): 503 with
# Retry-After, a page that says what to do, and JSON for scripts (the drafts client keeps a
# submission that got a 5xx and sends it again later).
TRY_AGAIN = (
    _l("Bitte versuchen Sie es gleich noch einmal"),
    _l(
        "Das ist gerade für einen Moment nicht möglich. Bitte versuchen Sie es in einer Minute "
        "noch einmal."
    ),
)
DATABASE_DOWN = (
    _l("Vorübergehend nicht erreichbar"),
    _l(
        "Der Dienst ist für einen Moment nicht erreichbar. Bitte versuchen Sie es in einer "
        "Minute noch einmal."
    ),
)
FILES_NOT_STORED = (
    _l("Dateien können gerade nicht gespeichert werden"),
    _l(
        "Ihre Dateien können gerade nicht gespeichert werden, deshalb wurde nichts gesendet. "
        "Bitte versuchen Sie es in einigen Minuten noch einmal."
    ),
)
FILE_NOT_READABLE = (
    _l("Datei gerade nicht verfügbar"),
    _l("Die Datei kann gerade nicht geöffnet werden. Bitte versuchen Sie es später noch einmal."),
)
# Seconds a client is asked to wait: a database restart or an object store's hiccup.
DATABASE_RETRY_AFTER = 30
FILES_RETRY_AFTER = 60


def _render(status: int, title: object, message: object) -> ResponseReturnValue:
    return render_template(
        "views/errors/error.html", status=status, title=title, message=message
    ), status


def handle_http_error(error: HTTPException) -> ResponseReturnValue:
    status = error.code or 500
    original = getattr(error, "original_exception", None)
    if isinstance(error, InternalServerError) and original is not None and unreachable(original):
        # Raised where Flask hands errors straight to the 500 handler (saving the session
        # after the view): the database went away, and the answer says so.
        return handle_database_error(original)
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


def _unavailable(title: object, message: object, retry_after: int) -> ResponseReturnValue:
    if _wants_json():
        response = make_response(jsonify(status="unavailable", message=str(message)), 503)
    else:
        response = make_response(_render(503, title, message))
    response.headers["Retry-After"] = str(retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response


def handle_limit_unavailable(
    error: LimitUnavailable | RateLimitStorageError,
) -> ResponseReturnValue:
    if isinstance(error, RateLimitStorageError):
        # A use of the counters that no group guards (the appointments' proof of work, whose
        # replay guard lives there): it cannot be checked, so it is refused.
        log.warning("ratelimit.storage_unreachable", extra={"error": str(error)})
    return _unavailable(*TRY_AGAIN, RETRY_AFTER_SECONDS)


def handle_database_error(error: DBAPIError | PoolTimeout) -> ResponseReturnValue:
    """The database is unreachable or restarting (or every connection busy). Anything else the
    database refuses is a bug, answered as one."""
    if not unreachable(error):
        if current_app.testing:  # as every unexpected error: the test sees it raised
            raise error
        return handle_unexpected_error(error)
    log.error("database unreachable", extra={"error": type(error).__name__})
    return _unavailable(*DATABASE_DOWN, DATABASE_RETRY_AFTER)


def handle_file_storage_error(error: FileStorageError) -> ResponseReturnValue:
    log.error("file storage failed", extra={"error": str(error)})
    reading = request.method in ("GET", "HEAD")
    return _unavailable(*(FILE_NOT_READABLE if reading else FILES_NOT_STORED), FILES_RETRY_AFTER)


def handle_unexpected_error(error: Exception) -> ResponseReturnValue:
    log.exception("unhandled error", exc_info=error)
    return _render(500, *MESSAGES[500])


def init_errors(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(LimitUnavailable, handle_limit_unavailable)
    app.register_error_handler(RateLimitStorageError, handle_limit_unavailable)
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(PoolTimeout, handle_database_error)
    app.register_error_handler(FileStorageError, handle_file_storage_error)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected_error)
