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

    config = Config()
    config.set("accesslog", "-")
    # gunicorn's own format and one that writes every place the path is in.
    for access_log_format in (
        config.access_log_format,
        "%(r)s %(U)s %({raw_uri}e)s %({PATH_INFO}e)s",
    ):
        config.set("access_log_format", access_log_format)
        logger = RedactingGunicornLogger(config)
        lines: list[str] = []
        logger.access_log.handlers[:] = []
        logger.access_log.addHandler(_Collect(lines))
        logger.access_log.setLevel(logging.INFO)
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
        logger.access(response, request, environ, datetime.timedelta(seconds=0.01))
        assert len(lines) == 1
        assert "secret-token" not in lines[0]
        assert "/b/[redacted]" in lines[0]


class _Collect(logging.Handler):
    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())
