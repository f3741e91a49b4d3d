"""Structured logging: one JSON object per line, with the request id bound to every record.

Every line goes through ``server.redaction``: capability paths and secret query parameters are
redacted wherever they appear (the request's ``path``, the message, extra fields), and a logged
exception loses the values the database repeats from a refused row.
"""

from __future__ import annotations

import json
import logging
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_request_context, request

from server.redaction import redact, scrub_exception

_STANDARD_ATTRS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def formatException(self, ei: Any) -> str:
        return scrub_exception(super().formatException(ei))

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        if has_request_context():
            entry["request_id"] = request_id()
            entry["path"] = request.path
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, default=str, ensure_ascii=False))


class TextFormatter(logging.Formatter):
    """The human-readable format (``LOG_FORMAT=text``), redacted as the JSON one."""

    def formatException(self, ei: Any) -> str:
        return scrub_exception(super().formatException(ei))

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def request_id() -> str:
    """The id of this request's log lines: the proxy's ``X-Request-Id`` when it sent a usable
    one, else a new one. Made when the request logs its first line: most log none, and making
    one for every request was 1.5 % of the start page's instructions (issue 17)."""
    found: str | None = g.get("request_id")
    if found is None:
        incoming = request.headers.get("X-Request-Id", "")
        found = g.request_id = incoming if 0 < len(incoming) <= 64 else uuid.uuid4().hex
    return found


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if app.config["LOG_FORMAT"] == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    portal_logger = logging.getLogger("portal")
    portal_logger.handlers[:] = [handler]
    portal_logger.setLevel(app.config["LOG_LEVEL"])
    portal_logger.propagate = False


def get_logger(area: str) -> logging.Logger:
    return logging.getLogger(f"portal.{area}")
