"""No log line holds a secret: capability paths and secret query values are redacted in the
application log and in gunicorn's access and error logs, and the list of capability paths
cannot fall behind the URL map."""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask, url_for
from gunicorn.config import Config

from server import create_app
from server.logs import get_logger
from server.redaction import (
    CAPABILITY_PATHS,
    REDACTED,
    RedactingFilter,
    RedactingGunicornLogger,
    redact,
    scrub_exception,
)

SECRET = "S3cr3t-T0ken_abcdefghijklmnop"

# A route variable named like this carries a secret, unless proven otherwise.
CAPABILITY_LOOKING = re.compile(
    r"token|code|secret|grant|key|access|signature|sig|nonce|ticket|credential|hash|otp|pass",
    re.IGNORECASE,
)
# Every other route variable, with the reason it is no secret. A new variable name must be added
# here or to ``server.redaction.CAPABILITY_PATHS``: deciding is the point.
PUBLIC_VARIABLES = {
    "service": "the name of a form, public in the catalogue",
    "step": "a form's step name",
    "reference": "a submission's reference; its pages check the session owns it",
    "aktenzeichen": "a case number; its pages need the session's grant (access code or link)",
    "kassenzeichen": "a receivable's number; its pages need the session's grant",
    "statement_id": "a database id behind the case's grant",
    "upload_id": "a database id behind a grant or a clerk login",
    "slug": "a public catalogue entry",
    "short_id": "a prefix of a session's digest, on the logged-in citizen's own page",
    "originator_id": "the sandbox payment API's tenant",
    "endpoint_id": "the sandbox payment API's tenant",
    "transaction_id": "the payment provider's transaction number, no access on its own",
    "filename": "a static file",
    "name": "a sign-language video's file name, listed publicly by the city",
    "provider": "the payment provider's name",
    "request_id": "a payment attempt's number; the receivable still needs the session's grant",
    "submission_id": "back office, clerk login",
    "case_id": "back office, clerk login",
    "clarification_id": "back office, clerk login",
    "receivable_id": "back office, clerk login",
    "refund_id": "back office, clerk login",
    "clerk_id": "back office, clerk login",
    "number": "an appointment's booking number; its pages need the session's grant (the mail's "
    "link) or the booking citizen's login",
    "location_id": "an office's id: the call display in its waiting room is public, the rest "
    "back office with clerk login",
    "booking_id": "back office, clerk login",
    "service_id": "an appointment service's id: back office, clerk login",
    "counter_id": "an office counter's id: back office, clerk login",
    "mail_id": "an outbox mail's id: the admins' Postausgang, clerk login",
}
# Named like a secret, and none: each needs its reason.
LOOKS_SECRET_BUT_IS_NOT = {
    "key_id": "a security key's database id, on the logged-in clerk's own page",
}


@pytest.fixture(scope="module")
def portal() -> Flask:
    return create_app({"PORTAL_ENV": "testing", "DATABASE_URL": "sqlite://", "LOG_FORMAT": "json"})


class Collect(logging.Handler):
    def __init__(self, formatter: logging.Formatter) -> None:
        super().__init__()
        self.setFormatter(formatter)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def application_log(portal: Flask) -> Iterator[Collect]:
    """What the portal's own handler (the app's formatter) writes."""
    portal_logger = logging.getLogger("portal")
    formatter = portal_logger.handlers[0].formatter
    assert formatter is not None
    collect = Collect(formatter)
    portal_logger.addHandler(collect)
    try:
        yield collect
    finally:
        portal_logger.removeHandler(collect)


def capability_urls(app: Flask) -> list[str]:
    urls = []
    with app.test_request_context("/"):
        for capability in CAPABILITY_PATHS:
            rule = next(app.url_map.iter_rules(capability.endpoint))
            (variable,) = rule.arguments
            values: dict[str, Any] = {variable: SECRET}
            urls.append(url_for(capability.endpoint, **values))
    return urls


def test_every_capability_looking_route_variable_is_in_the_list(portal: Flask) -> None:
    listed = {capability.endpoint for capability in CAPABILITY_PATHS}
    forgotten = [
        rule.rule
        for rule in portal.url_map.iter_rules()
        if any(
            CAPABILITY_LOOKING.search(name) and name not in LOOKS_SECRET_BUT_IS_NOT
            for name in rule.arguments
        )
        and rule.endpoint not in listed
    ]
    assert forgotten == [], f"add to server.redaction.CAPABILITY_PATHS: {forgotten}"


def test_public_variables_do_not_look_like_secrets() -> None:
    assert [name for name in PUBLIC_VARIABLES if CAPABILITY_LOOKING.search(name)] == []


def test_every_route_variable_is_either_a_capability_or_known_public(portal: Flask) -> None:
    listed = {capability.endpoint for capability in CAPABILITY_PATHS}
    unclassified = sorted(
        f"{rule.rule} <{name}>"
        for rule in portal.url_map.iter_rules()
        if rule.endpoint not in listed
        for name in rule.arguments
        if name not in PUBLIC_VARIABLES and name not in LOOKS_SECRET_BUT_IS_NOT
    )
    assert unclassified == [], (
        "a secret goes to server.redaction.CAPABILITY_PATHS, "
        f"anything else to PUBLIC_VARIABLES with a reason: {unclassified}"
    )


def test_every_listed_capability_is_a_route_ending_in_its_secret(portal: Flask) -> None:
    for capability in CAPABILITY_PATHS:
        rules = list(portal.url_map.iter_rules(capability.endpoint))
        assert len(rules) == 1, capability
        (variable,) = rules[0].arguments
        assert rules[0].rule == f"{capability.prefix}<{variable}>", capability


def test_a_request_to_each_capability_path_logs_no_secret(
    portal: Flask, application_log: Collect
) -> None:
    urls = capability_urls(portal)
    assert len(urls) == len(CAPABILITY_PATHS) >= 4
    app = create_app({"PORTAL_ENV": "testing", "DATABASE_URL": "sqlite://", "LOG_FORMAT": "json"})

    @app.before_request
    def log_and_stop() -> str:
        # What a view logs about its request, message and extra fields included.
        from flask import request

        get_logger("test").warning("seen %s", request.full_path, extra={"url": request.url})
        return "ok"

    portal_logger = logging.getLogger("portal")
    portal_logger.addHandler(application_log)  # create_app replaced the handlers
    client = app.test_client()
    for url in urls:
        application_log.lines.clear()
        assert client.get(f"{url}?token={SECRET}&code={SECRET}&state={SECRET}").status_code == 200
        (line,) = application_log.lines
        assert SECRET not in line
        prefix = url.removesuffix(SECRET)
        assert f'"path": "{prefix}{REDACTED}"' in line
        assert f"token={REDACTED}&code={REDACTED}&state={REDACTED}" in line


def test_the_text_format_is_redacted_too() -> None:
    app = create_app({"PORTAL_ENV": "testing", "DATABASE_URL": "sqlite://", "LOG_FORMAT": "text"})
    formatter = logging.getLogger("portal").handlers[0].formatter
    assert formatter is not None
    with app.test_request_context("/"):
        for url in capability_urls(app):
            record = logging.makeLogRecord(
                {"name": "portal.test", "msg": "link %s", "args": (f"{url}?state={SECRET}",)}
            )
            assert SECRET not in formatter.format(record)


def test_secret_query_parameters_are_redacted_and_others_kept() -> None:
    assert redact("/auth/eid/callback?code=abc&state=def&iss=https://id") == (
        f"/auth/eid/callback?code={REDACTED}&state={REDACTED}&iss=https://id"
    )
    assert redact("code=abc&x=1") == f"code={REDACTED}&x=1"  # gunicorn's bare query string
    assert redact("/dev-eid/logout?id_token_hint=eyJ.x.y") == (
        f"/dev-eid/logout?id_token_hint={REDACTED}"
    )
    assert redact("/bussgeld/fall/BG-2026-000001?zahlung=fehler") == (
        "/bussgeld/fall/BG-2026-000001?zahlung=fehler"
    )
    assert redact("/dienste?q=postcode") == "/dienste?q=postcode"


def gunicorn_request(url: str) -> tuple[SimpleNamespace, dict[str, str]]:
    path, _, query = url.partition("?")
    headers = [("REFERER", f"https://portal.example{url}"), ("USER-AGENT", "test")]
    request = SimpleNamespace(
        method="GET", path=path, query=query, uri=url, version=(1, 1), headers=headers
    )
    environ = {
        "REMOTE_ADDR": "127.0.0.1",
        "REQUEST_METHOD": "GET",
        "RAW_URI": url,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://portal.example{url}",
        "HTTP_USER_AGENT": "test",
    }
    return request, environ


@pytest.mark.parametrize(
    "access_log_format",
    [
        # Every atom: the request line, path, query, referrer and a request header.
        '%(r)s %(U)s %(q)s "%(f)s" %({referer}i)s %(s)s',
        # A header named as it is written, and an environ variable.
        "%({Referer}i)s %({RAW_URI}e)s %(q)s %(r)s",
        Config().access_log_format,  # gunicorn's own, which the portal's server uses
    ],
)
def test_the_gunicorn_access_log_line_holds_no_secret(
    portal: Flask, access_log_format: str
) -> None:
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", access_log_format)
    logger = RedactingGunicornLogger(config)
    collect = Collect(logging.Formatter("%(message)s"))
    logger.access_log.handlers[:] = [collect]
    response = SimpleNamespace(status="302 FOUND", status_code=302, sent=0, headers=[])
    for url in capability_urls(portal):
        request, environ = gunicorn_request(f"{url}?token={SECRET}")
        logger.access(response, request, environ, datetime.timedelta(seconds=0.01))
        line = collect.lines[-1]
        assert SECRET not in line
        assert f"{url.removesuffix(SECRET)}{REDACTED}" in line
        assert f"token={REDACTED}" in line


def test_the_gunicorn_error_log_holds_no_secret(portal: Flask) -> None:
    logger = RedactingGunicornLogger(Config())
    collect = Collect(logging.Formatter("%(message)s"))
    logger.error_log.handlers[:] = [collect]
    for url in capability_urls(portal):
        logger.error("Error handling request %s", url)  # gunicorn's words for a crash
        assert SECRET not in collect.lines[-1]


def test_the_development_servers_request_log_holds_no_secret(portal: Flask) -> None:
    for url in capability_urls(portal):
        record = logging.LogRecord(
            "werkzeug", logging.INFO, "", 0, '%s - - "%s" %s', ("::1", f"GET {url}", "302"), None
        )
        RedactingFilter().filter(record)
        assert SECRET not in record.getMessage()


POSTGRES_REFUSAL = """\
Traceback (most recent call last):
psycopg.errors.CheckViolation: new row for relation "receivables" violates check constraint \
"ck_receivables_positive_amount"
DETAIL:  Failing row contains (1, K-1, RF1, abc, test, null, x, Erika Mustermann, -5, EUR).

The above exception was the direct cause of the following exception:

sqlalchemy.exc.IntegrityError: (psycopg.errors.UniqueViolation) duplicate key value violates \
unique constraint "uq_citizens_email"
DETAIL:  Key (email)=(erika@example.org) already exists.
[SQL: INSERT INTO citizens (email) VALUES (%(email)s)]
[parameters: {'email': 'erika@example.org', 'name': 'Erika Mustermann'}]
psycopg.errors.InvalidTextRepresentation: invalid input syntax for type integer: "Erika M"
"""


def test_a_formatted_database_error_loses_the_rows_values() -> None:
    scrubbed = scrub_exception(POSTGRES_REFUSAL)
    assert "Erika" not in scrubbed
    assert "erika@example.org" not in scrubbed
    # What is needed to find the bug stays: the constraint and the statement.
    assert '"ck_receivables_positive_amount"' in scrubbed
    assert "[SQL: INSERT INTO citizens (email) VALUES (%(email)s)]" in scrubbed
    assert f"DETAIL: {REDACTED}" in scrubbed
