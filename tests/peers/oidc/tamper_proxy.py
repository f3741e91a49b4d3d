"""A reverse proxy in front of the OIDC test peer that can falsify what the provider says.

Negative tests of the portal's OIDC client need a provider that misbehaves in exactly one way.
The real provider (``provider.mjs``, oidc-provider) never does, so every request goes through
this proxy, and a test switches it at runtime by setting attributes:

``mode = None``
    Pass everything through unchanged (the default).
``mode = "foreign_jwks"``
    The JWKS endpoint serves a freshly generated, unrelated RSA key under the provider's own
    ``kid``: ID tokens still name a key the client finds, but their signatures no longer verify.
``mode = "wrong_issuer"``
    The discovery document's ``issuer`` is replaced by ``fake_issuer``, so the ``iss`` of
    every ID token (and of the authorization response) no longer matches the metadata.
``mode = "wrong_auth_iss"``
    The RFC 9207 ``iss`` parameter of authorization responses (redirects to the client) is
    replaced by ``fake_issuer``: the mix-up defence must reject the response.
``mode = "resign"``
    The proxy controls a key of its own and serves only that key as the JWKS; every ID token
    in a token-endpoint response is re-signed with it after applying ``claims_override``
    (a value of ``None`` removes the claim). The signature verifies, but the claims are what
    the test chose: ``{"aud": "someone-else"}``, ``{"exp": <past>, "iat": <past>}``,
    ``{"nonce": None}``, ``{"acr": "urn:eid:low"}`` ...

Every exchange is recorded in ``exchanges`` so tests can assert on what the client sent.

Why the provider's issuer is the proxy's URL: the provider is started with
``issuer = proxy.url`` and the proxy forwards the ``Host`` header unchanged. oidc-provider
builds all endpoint URLs (discovery, authorization, token, userinfo, JWKS, end session,
interaction redirects) from the request's host, so every URL it hands out already points at
the proxy, and the issuer it puts into ID tokens and authorization responses is the proxy URL.
Nothing needs rewriting in pass-through mode, the client (and a browser) can never bypass the
proxy by following a URL, and each tamper mode changes exactly one thing.
"""

from __future__ import annotations

import base64
import http.client
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

Mode = Literal["foreign_jwks", "wrong_issuer", "wrong_auth_iss", "resign"]
MODES: tuple[Mode, ...] = ("foreign_jwks", "wrong_issuer", "wrong_auth_iss", "resign")

# oidc-provider's default routes, which provider.mjs keeps.
DISCOVERY_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/jwks"
TOKEN_PATH = "/token"

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "accept-encoding",
    }
)


@dataclass
class Exchange:
    """One request the proxy forwarded, and the status the client got."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int = 0

    @property
    def route(self) -> str:
        return urlsplit(self.path).path

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))


@dataclass
class _Response:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def replace_header(self, name: str, value: str) -> None:
        self.headers = [(k, value if k.lower() == name.lower() else v) for k, v in self.headers]


def _b64url_json(segment: str) -> dict[str, Any]:
    padded = segment + "=" * (-len(segment) % 4)
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(padded))
    return decoded


def _rsa_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(
        2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"}, private=True
    )


class TamperProxy:
    """Threaded reverse proxy on 127.0.0.1 in front of the provider; see the module docstring."""

    def __init__(self, upstream_port: int | None = None, *, port: int = 0) -> None:
        self.upstream_host = "127.0.0.1"
        self.upstream_port = upstream_port
        self.mode: Mode | None = None
        self.claims_override: dict[str, Any] = {}
        self.fake_issuer = "http://127.0.0.1:9/not-the-eid-provider"
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()
        self._foreign_key: RSAKey | None = None
        self._resign_key: RSAKey | None = None
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.proxy = self
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> TamperProxy:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="oidc-tamper-proxy", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> TamperProxy:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Back to pass-through with fresh keys and an empty log (between tests)."""
        with self._lock:
            self.mode = None
            self.claims_override = {}
            self.fake_issuer = "http://127.0.0.1:9/not-the-eid-provider"
            self.exchanges = []
            self._foreign_key = None
            self._resign_key = None

    # -- keys ----------------------------------------------------------------------------------

    @property
    def foreign_key(self) -> RSAKey:
        """The unrelated key served in ``foreign_jwks`` mode (its kid is set per response)."""
        with self._lock:
            if self._foreign_key is None:
                self._foreign_key = _rsa_key("foreign")
            return self._foreign_key

    @property
    def resign_key(self) -> RSAKey:
        """The proxy's own signing key for ``resign`` mode; the only key in its JWKS then."""
        with self._lock:
            if self._resign_key is None:
                self._resign_key = _rsa_key("tamper-proxy-resign")
            return self._resign_key

    def requests_to(self, route: str) -> list[Exchange]:
        with self._lock:
            return [exchange for exchange in self.exchanges if exchange.route == route]

    # -- tampering -----------------------------------------------------------------------------

    def resign(self, id_token: str) -> str:
        """The ID token's payload with ``claims_override`` applied, signed with ``resign_key``."""
        claims = _b64url_json(id_token.split(".")[1])
        for name, value in self.claims_override.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        key = self.resign_key
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

    def _tamper(self, method: str, route: str, response: _Response) -> None:
        mode = self.mode
        if mode is None:
            return
        is_json = (response.header("content-type") or "").startswith("application/json")
        if mode == "wrong_issuer" and route == DISCOVERY_PATH and response.status == 200:
            document = json.loads(response.body)
            document["issuer"] = self.fake_issuer
            response.body = json.dumps(document).encode()
        elif mode == "foreign_jwks" and route == JWKS_PATH and response.status == 200:
            original = json.loads(response.body).get("keys", [])
            public = self.foreign_key.as_dict(private=False)
            keys = [
                {**public, "kid": key.get("kid"), "alg": "RS256", "use": "sig"} for key in original
            ] or [public]
            response.body = json.dumps({"keys": keys}).encode()
        elif mode == "resign" and route == JWKS_PATH and response.status == 200:
            response.body = json.dumps({"keys": [self.resign_key.as_dict(private=False)]}).encode()
        elif (
            mode == "resign"
            and method == "POST"
            and route == TOKEN_PATH
            and response.status == 200
            and is_json
        ):
            body = json.loads(response.body)
            if "id_token" in body:
                body["id_token"] = self.resign(body["id_token"])
                response.body = json.dumps(body).encode()
        elif mode == "wrong_auth_iss" and 300 <= response.status < 400:
            location = response.header("location")
            if location:
                parts = urlsplit(location)
                query = parse_qsl(parts.query, keep_blank_values=True)
                if any(name == "iss" for name, _ in query):
                    query = [(n, self.fake_issuer if n == "iss" else v) for n, v in query]
                    response.replace_header(
                        "location", urlunsplit(parts._replace(query=urlencode(query)))
                    )

    # -- forwarding ----------------------------------------------------------------------------

    def forward(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> _Response:
        if self.upstream_port is None:
            return _Response(
                503, "Service Unavailable", [("Content-Type", "text/plain")], b"upstream not set\n"
            )
        exchange = Exchange(method, path, {k.lower(): v for k, v in headers}, body)
        with self._lock:
            self.exchanges.append(exchange)
        connection = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=30)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                if name.lower() not in HOP_BY_HOP:
                    connection.putheader(name, value)
            if body or method in ("POST", "PUT", "PATCH"):
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body or None)
            upstream = connection.getresponse()
            response = _Response(
                upstream.status,
                upstream.reason,
                [(k, v) for k, v in upstream.getheaders() if k.lower() not in HOP_BY_HOP],
                upstream.read(),
            )
        except OSError as error:
            response = _Response(
                502,
                "Bad Gateway",
                [("Content-Type", "text/plain")],
                f"upstream error: {error}\n".encode(),
            )
        finally:
            connection.close()
        self._tamper(method, urlsplit(path).path, response)
        exchange.status = response.status
        return response


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy: TamperProxy


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _proxy(self) -> None:
        body = self._read_body()
        response = self.server.proxy.forward(
            self.command, self.path, list(self.headers.items()), body
        )
        self.send_response_only(response.status, response.reason)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _proxy

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the exchanges are recorded on the proxy instead."""
