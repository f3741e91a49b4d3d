"""TRUSTED_PROXIES: the client's address is read from X-Forwarded-For only as far as trusted
proxies wrote it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.datastructures import Headers
from werkzeug.test import EnvironBuilder

from server.config import ConfigurationError, load_config
from server.proxies import TrustedProxies, behind_proxies, parse_trusted_proxies


def seen(
    trusted: str, peer: str, forwarded: str | None, proto: str | None = None
) -> tuple[str, str]:
    """(address, scheme) the portal sees for a request from ``peer`` with these headers."""
    headers = Headers()
    if forwarded is not None:
        headers["X-Forwarded-For"] = forwarded
    if proto is not None:
        headers["X-Forwarded-Proto"] = proto
    environ = EnvironBuilder(headers=headers, environ_base={"REMOTE_ADDR": peer}).get_environ()
    result: dict[str, tuple[str, str]] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        result["seen"] = (environ["REMOTE_ADDR"], environ["wsgi.url_scheme"])
        start_response("200 OK", [])
        return []

    def start_response(*args: Any) -> Callable[[bytes], object]:
        return lambda data: None

    behind_proxies(app, parse_trusted_proxies(trusted))(environ, start_response)
    return result["seen"]


def test_without_trusted_proxies_the_headers_are_ignored() -> None:
    assert seen("", "198.51.100.7", "203.0.113.5", "https") == ("198.51.100.7", "http")


def test_a_count_believes_only_what_the_proxy_added() -> None:
    # nginx appends its peer; whatever the client wrote before stays unbelieved.
    assert seen("1", "127.0.0.1", "10.9.9.9, 203.0.113.5", "https") == ("203.0.113.5", "https")
    assert seen("2", "127.0.0.1", "10.9.9.9, 203.0.113.5, 10.0.0.2") == ("203.0.113.5", "http")
    assert seen("1", "127.0.0.1", None) == ("127.0.0.1", "http")


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        # From the proxy: the entry it added.
        ("127.0.0.1", "1.2.3.4, 203.0.113.5", "203.0.113.5"),
        # Through two trusted proxies: look through the inner one.
        ("10.0.0.3", "1.2.3.4, 203.0.113.5, 10.0.0.2", "203.0.113.5"),
        # IPv6 client.
        ("127.0.0.1", "2001:db8::7", "2001:db8::7"),
        # Not from a trusted proxy: the header is the client's own words.
        ("198.51.100.7", "203.0.113.5", "198.51.100.7"),
        # Garbage in the header changes nothing beyond the trusted hops.
        ("127.0.0.1", "not an address, 203.0.113.5", "203.0.113.5"),
    ],
)
def test_networks_look_through_every_trusted_hop(peer: str, forwarded: str, client: str) -> None:
    assert seen("127.0.0.1, 10.0.0.0/8", peer, forwarded)[0] == client


def test_the_setting_is_checked_at_start() -> None:
    assert parse_trusted_proxies("") == TrustedProxies()
    assert parse_trusted_proxies(" 2 ").count == 2
    assert len(parse_trusted_proxies("127.0.0.1, 10.0.0.0/8, ::1").networks) == 3
    with pytest.raises(ConfigurationError, match="TRUSTED_PROXIES"):
        load_config(environ={"TRUSTED_PROXIES": "nginx"})
    with pytest.raises(ConfigurationError, match="TRUSTED_PROXIES"):
        load_config({"TRUSTED_PROXIES": "10.0.0.0/33"}, environ={})
    assert load_config(environ={"TRUSTED_PROXIES": "1"})["TRUSTED_PROXIES"].count == 1
