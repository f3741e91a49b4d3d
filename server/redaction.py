"""Keep secrets out of every log: capability URLs, secret query parameters, SQL values.

A capability URL carries its credential in the path: the fine letter's QR code (``/b/<token>``),
the payment notice's link (``/zahlungen/z/<token>``) and the account mails' links
(``/konto/bestaetigen/<token>``, ``/konto/passwort-neu/<token>``). Whoever reads a log line with
such a path holds the key. ``CAPABILITY_PATHS`` is the one list of them: the application log
(``server.logs``), gunicorn's access and error logs and the development server's request log all
redact through ``redact()``, and a test fails for a route whose variable looks like a secret but
is not listed here.

Query strings are redacted by parameter name (``SECRET_QUERY_PARAMETERS``): the eID login's
``code`` and ``state``, the development identity provider's ``id_token_hint``, and anything
named like a token.

Exceptions are scrubbed of the values of rows the database refused: the engine hides bound
parameters (``hide_parameters=True`` in ``server.db``); PostgreSQL still repeats the row in its
``DETAIL:`` line ("Failing row contains (…)", "Key (email)=(…) already exists"), which
``scrub_exception()`` removes from the formatted text.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from gunicorn.glogging import Logger as GunicornLogger

REDACTED = "[redacted]"


@dataclass(frozen=True)
class CapabilityPath:
    """A route whose last path segment is a secret."""

    endpoint: str
    prefix: str  # the path up to the secret, as the URL map has it
    why: str


CAPABILITY_PATHS: tuple[CapabilityPath, ...] = (
    CapabilityPath("fines.letter_link", "/b/", "the fine letter's QR code opens the case"),
    CapabilityPath("payments.letter_link", "/zahlungen/z/", "the payment notice's link"),
    CapabilityPath(
        "forms_status.link", "/antraege/stand/", "the confirmation mail's link to a status"
    ),
    CapabilityPath(
        "accounts.confirm_account", "/konto/bestaetigen/", "confirms a new citizen account"
    ),
    CapabilityPath(
        "accounts.reset_password", "/konto/passwort-neu/", "sets a new password for an account"
    ),
    CapabilityPath("appointments.confirm", "/termine/bestaetigen/", "confirms a held appointment"),
    CapabilityPath(
        "parkausweis.verify", "/parkausweis/pruefen/", "a parking permit's QR code checks it"
    ),
    CapabilityPath(
        "appointments.manage_link", "/termine/t/", "opens an appointment to move or cancel it"
    ),
    CapabilityPath(
        "wallet.request_object",
        "/auth/wallet/anfrage/",
        "a wallet login's request object, fetched once",
    ),
)

# Query parameters whose value is a secret or a credential, whatever the route.
SECRET_QUERY_PARAMETERS: tuple[str, ...] = (
    "token",
    "code",
    "state",
    "nonce",
    "code_verifier",
    "access_token",
    "refresh_token",
    "id_token",
    "id_token_hint",
    "client_secret",
    "secret",
    "password",
    "key",
    "grant",
    "ticket",
    "signature",
    "sig",
    "request_uri",
    "response_code",
)

_PATH = re.compile(
    "(" + "|".join(re.escape(capability.prefix) for capability in CAPABILITY_PATHS) + ")"
    r"[^/?#\s\"']+"
)
# A parameter at the start of a bare query string (gunicorn's ``q``) or after ``?``/``&``/``;``.
_QUERY = re.compile(
    r"(^|[?&;])("
    + "|".join(re.escape(name) for name in SECRET_QUERY_PARAMETERS)
    + r")=[^&#\s\"']*",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """The text with every capability path's secret and every secret query value replaced."""
    return _QUERY.sub(rf"\1\2={REDACTED}", _PATH.sub(rf"\1{REDACTED}", text))


# PostgreSQL's DETAIL line repeats the refused row or key; the ``[parameters: …]`` line is
# SQLAlchemy's, for an engine made without ``hide_parameters`` (a script's, a migration's).
_ROW_VALUES = re.compile(r"^(\s*DETAIL:).*$", re.MULTILINE)
_PARAMETERS = re.compile(r"^\[parameters: .*$", re.MULTILINE)
_INVALID_INPUT = re.compile(r"(invalid input (?:syntax|value) for [^:\n]+: )\"[^\n]*\"")


def scrub_exception(text: str) -> str:
    """A formatted exception without the values the database repeats from the statement."""
    text = _ROW_VALUES.sub(rf"\1 {REDACTED}", text)
    text = _PARAMETERS.sub(f"[parameters: {REDACTED}]", text)
    text = _INVALID_INPUT.sub(rf"\1{REDACTED}", text)
    return redact(text)


class RedactingFilter(logging.Filter):
    """Redacts a record's message and arguments: the development server's request log
    (Werkzeug) and gunicorn's error log ("Error handling request /b/…")."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(str(record.msg))
        if record.args:
            if isinstance(record.args, dict):
                record.args = {
                    key: redact(value) if isinstance(value, str) else value
                    for key, value in record.args.items()
                }
            else:
                record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


class RedactingGunicornLogger(GunicornLogger):
    """gunicorn's access log (request line, path, query, referrer, every header) and error log
    with secrets redacted."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        # The access log's atoms are redacted below (its arguments are gunicorn's own mapping).
        if not any(isinstance(existing, RedactingFilter) for existing in self.error_log.filters):
            self.error_log.addFilter(RedactingFilter())

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        # Only what the format writes reaches the log, and only that is redacted: every header
        # of the request and of the response is an atom too, and redacting them all was a
        # twentieth of a worker's time under load (issue 17).
        for key in _logged_atoms(str(self.cfg.access_log_format)):
            value = atoms.get(key)
            if isinstance(value, str):
                atoms[key] = redact(value)
        return atoms


_ATOM = re.compile(r"%\(([^)]*)\)")


@cache
def _logged_atoms(access_log_format: str) -> tuple[str, ...]:
    """The atoms ``access_log_format`` names, as gunicorn looks them up (a header's name in
    braces lower-cased, as its ``SafeAtoms`` does)."""
    names = (
        name.lower() if name.startswith("{") else name for name in _ATOM.findall(access_log_format)
    )
    return tuple(dict.fromkeys(names))


def install_werkzeug_filter() -> None:
    logging.getLogger("werkzeug").addFilter(RedactingFilter())
