from __future__ import annotations

import logging

from server.redaction import RedactingFilter, RedactingGunicornLogger, redact


def test_capability_paths_are_cut_short() -> None:
    assert redact("GET /b/Abc_123-xyz HTTP/1.1") == "GET /b/[redacted] HTTP/1.1"
    assert redact("/zahlungen/z/T0ken?x=1") == "/zahlungen/z/[redacted]?x=1"
    assert redact("/bussgeld/fall/BG-2026-000001") == "/bussgeld/fall/BG-2026-000001"


def test_the_werkzeug_request_log_is_redacted() -> None:
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        "",
        0,
        '%s - - "%s" %s',
        ("127.0.0.1", "GET /b/secret-token HTTP/1.1", "302"),
        None,
    )
    RedactingFilter().filter(record)
    assert "secret-token" not in record.getMessage()


def test_the_gunicorn_access_log_is_redacted() -> None:
    import datetime
    from types import SimpleNamespace

    from gunicorn.config import Config

    logger = RedactingGunicornLogger(Config())
    request = SimpleNamespace(
        method="GET",
        path="/b/secret-token",
        query="",
        uri="/b/secret-token",
        version=(1, 1),
        headers=[],
    )
    response = SimpleNamespace(status="302 FOUND", status_code=302, sent=0, headers=[])
    environ = {
        "REMOTE_ADDR": "127.0.0.1",
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/b/secret-token",
        "PATH_INFO": "/b/secret-token",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    atoms = logger.atoms(response, request, environ, datetime.timedelta(seconds=0.01))
    assert "secret-token" not in str(atoms)
    assert "/b/[redacted]" in str(atoms)
