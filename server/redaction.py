"""Keep capability URLs out of access logs.

The letter's QR code and the notice's link carry their credential in the path (``/b/<token>``,
``/zahlungen/z/<token>``), and so do the account mails' links (``/konto/bestaetigen/<token>``,
``/konto/passwort-neu/<token>``); an access log that wrote them down would hold a key.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger as GunicornLogger

_CAPABILITY = re.compile(
    r"(/b/|/zahlungen/z/|/konto/bestaetigen/|/konto/passwort-neu/)[A-Za-z0-9_-]+"
)


def redact(text: str) -> str:
    return _CAPABILITY.sub(r"\1…", text)


class RedactingFilter(logging.Filter):
    """For the development server's request log (Werkzeug)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(str(record.msg))
        if record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


class RedactingGunicornLogger(GunicornLogger):
    """gunicorn's access log with capability URLs cut short."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }


def install_werkzeug_filter() -> None:
    logging.getLogger("werkzeug").addFilter(RedactingFilter())
