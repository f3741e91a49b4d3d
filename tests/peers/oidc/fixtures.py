"""Pytest fixtures for the eID login's test peer: a real OpenID Provider behind a tamper proxy.

One Node process runs ``provider.mjs`` (panva/oidc-provider) per test session (per xdist
worker), behind one :class:`~tests.peers.oidc.tamper_proxy.TamperProxy`; the provider's issuer
is the proxy's URL. Each test gets its own OAuth client, registered over Dynamic Client
Registration (RFC 7591, guarded by an initial access token) when it calls
``oidc_provider.start(...)``, with its own redirect URIs, accounts, ID token lifetime and PKCE
policy. The proxy is reset to pass-through before and after every test.

Import both fixtures where pytest sees them (``tests/conftest.py``)::

    from tests.peers.oidc.fixtures import oidc_peer_process, oidc_provider  # noqa: F401

Use in a test::

    def test_login(oidc_provider, live_portal):
        op = oidc_provider.start(redirect_uris=[f"{live_portal.url}/anmelden/eid/callback"])
        # configure the portal with op.issuer (discovery: op.discovery_url),
        # op.client_id, op.client_secret; log in as "erika" (acr urn:eid:high)
        op.proxy.mode = "resign"
        op.proxy.claims_override = {"aud": "someone-else"}
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import json
import os
import queue
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests

from tests.peers.oidc.tamper_proxy import TamperProxy

PEER_DIR = Path(__file__).resolve().parent
PROVIDER_SCRIPT = PEER_DIR / "provider.mjs"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
MIN_NODE = (20, 12)  # oidc-provider 9 needs crypto.hash (Node >= 20.12; it recommends 22 LTS)
READY_TIMEOUT_S = 30.0

ACR_LOW = "urn:eid:low"
ACR_SUBSTANTIAL = "urn:eid:substantial"
ACR_HIGH = "urn:eid:high"
ACR_VALUES = [ACR_LOW, ACR_SUBSTANTIAL, ACR_HIGH]

# sub -> claims. "acr" (and "amr") are not user claims: they are the level of assurance the
# peer reports when this person logs in.
DEFAULT_ACCOUNTS: dict[str, dict[str, Any]] = {
    "erika": {
        "given_name": "Erika",
        "family_name": "Mustermann",
        "birthdate": "1964-08-12",
        "address": {
            "street_address": "Heidestraße 17",
            "postal_code": "51147",
            "locality": "Köln",
            "country": "DE",
        },
        "email": "erika@example.org",
        "email_verified": True,
        "acr": ACR_HIGH,
    },
    "max": {
        "given_name": "Max",
        "family_name": "Mustermann",
        "birthdate": "1990-01-01",
        "address": {
            "street_address": "Hauptstraße 5",
            "postal_code": "12345",
            "locality": "Musterstadt",
            "country": "DE",
        },
        "email": "max@example.org",
        "email_verified": True,
        "acr": ACR_SUBSTANTIAL,
    },
    "nobirth": {
        "given_name": "Nora",
        "family_name": "Ohnedatum",
        "address": {
            "street_address": "Domkloster 4",
            "postal_code": "50667",
            "locality": "Köln",
            "country": "DE",
        },
        "email": "nobirth@example.org",
        "email_verified": True,
        "acr": ACR_HIGH,
    },
}


def unavailable(reason: str) -> None:
    """Skip on a developer's machine, fail in CI (CI never passes by skipping)."""
    if IN_CI:
        pytest.fail(f"{reason} (CI never skips for a missing tool)")
    pytest.skip(reason)


def _node_version(node: str) -> tuple[int, int]:
    out = subprocess.run(
        [node, "--version"], capture_output=True, text=True, check=True, timeout=30
    )
    major, minor, *_ = out.stdout.strip().lstrip("v").split(".")
    return int(major), int(minor)


def ensure_node_modules() -> str:
    """The path of ``node``, after ``npm ci`` if node_modules is missing; else skip/fail."""
    node = shutil.which("node")
    if node is None:
        unavailable("node is not on PATH: the OIDC test peer cannot run")
        raise AssertionError  # unreachable: unavailable() raises
    if _node_version(node) < MIN_NODE:
        unavailable(f"node {'.'.join(map(str, MIN_NODE))} or newer is needed for oidc-provider")
    marker = PEER_DIR / "node_modules" / "oidc-provider" / "package.json"
    if marker.exists():
        return node
    npm = shutil.which("npm")
    if npm is None:
        unavailable(f"{PEER_DIR / 'node_modules'} is missing and npm is not on PATH")
        raise AssertionError
    lock_path = Path(tempfile.gettempdir()) / "buergerportal-oidc-peer-npm-ci.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # xdist workers: one npm ci at a time
        if not marker.exists():
            result = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund"],
                cwd=PEER_DIR,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            if result.returncode != 0 or not marker.exists():
                unavailable(f"npm ci in {PEER_DIR} failed:\n{result.stdout}\n{result.stderr}")
    return node


class OidcPeerProcess:
    """The Node provider process and its tamper proxy (one per test session)."""

    def __init__(self, workdir: Path, node: str = "node") -> None:
        self.workdir = workdir
        self.node = node
        self.registration_token = secrets.token_urlsafe(24)
        self.proxy = TamperProxy()
        self.log_path = workdir / "provider.log"
        self.node_port = 0
        self.process: subprocess.Popen[str] | None = None
        self._stdout: queue.Queue[str] = queue.Queue()

    @property
    def issuer(self) -> str:
        return self.proxy.url

    @property
    def node_url(self) -> str:
        """The provider itself, bypassing the proxy (for debugging; endpoints are the proxy's)."""
        return f"http://127.0.0.1:{self.node_port}"

    def log(self) -> str:
        return self.log_path.read_text("utf-8", "replace") if self.log_path.exists() else ""

    def start(self, *, config_overrides: dict[str, Any] | None = None) -> OidcPeerProcess:
        self.proxy.start()
        # A listening socket handed to node: no race for a free port.
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind(("127.0.0.1", 0))
            listener.listen(128)
            self.node_port = listener.getsockname()[1]
            config: dict[str, Any] = {
                "listen_fd": listener.fileno(),
                "issuer": self.issuer,
                "clients": [],
                "accounts": DEFAULT_ACCOUNTS,
                "acr_values": ACR_VALUES,
                "id_token_ttl_seconds": 3600,
                "pkce_required": True,
                "registration_token": self.registration_token,
                "exit_on_stdin_close": True,
                **(config_overrides or {}),
            }
            config_path = self.workdir / "provider.json"
            config_path.write_text(json.dumps(config, ensure_ascii=False), "utf-8")
            with self.log_path.open("a", encoding="utf-8") as log:
                self.process = subprocess.Popen(
                    [self.node, str(PROVIDER_SCRIPT), str(config_path)],
                    cwd=PEER_DIR,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    text=True,
                    pass_fds=(listener.fileno(),),
                )
        finally:
            listener.close()
        threading.Thread(target=self._read_stdout, daemon=True).start()
        try:
            line = self._stdout.get(timeout=READY_TIMEOUT_S)
        except queue.Empty:
            line = ""
        if line.strip() != f"READY {self.issuer}":
            self.stop()
            raise RuntimeError(f"OIDC peer did not start (first line {line!r}); log:\n{self.log()}")
        self.proxy.upstream_port = self.node_port
        return self

    def _read_stdout(self) -> None:
        assert self.process is not None
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._stdout.put(line)

    def check_alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            pytest.fail(f"the OIDC peer process has exited; log:\n{self.log()}")

    def stop(self) -> int | None:
        """Stop node (SIGTERM, then SIGKILL) and the proxy; the process's exit status."""
        status = None
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=5)
            status = self.process.returncode
            if self.process.stdin is not None:
                with contextlib.suppress(OSError):
                    self.process.stdin.close()
        self.proxy.stop()
        return status

    def register_client(self, metadata: dict[str, Any]) -> dict[str, Any]:
        """Dynamic Client Registration (RFC 7591) straight at the provider; the response."""
        response = requests.post(
            f"{self.node_url}/reg",
            json=metadata,
            headers={"Authorization": f"Bearer {self.registration_token}"},
            timeout=10,
        )
        if response.status_code != 201:
            raise RuntimeError(
                f"client registration failed: {response.status_code} {response.text}"
            )
        registered: dict[str, Any] = response.json()
        return registered


class OidcProvider:
    """One test's view of the peer: the proxy URL as issuer, and a client of its own."""

    def __init__(self, peer: OidcPeerProcess) -> None:
        self.peer = peer
        self.proxy: TamperProxy = peer.proxy
        self.issuer: str = peer.issuer
        self.accounts: dict[str, dict[str, Any]] = copy.deepcopy(DEFAULT_ACCOUNTS)
        self.redirect_uris: list[str] = []
        self.post_logout_redirect_uris: list[str] = []
        self.id_token_ttl_seconds = 3600
        self.pkce_required = True
        self.token_endpoint_auth_method = "client_secret_basic"
        self._client: dict[str, Any] | None = None

    # -- endpoints (oidc-provider's routes, all on the proxy) ---------------------------------

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def authorization_endpoint(self) -> str:
        return f"{self.issuer}/auth"

    @property
    def token_endpoint(self) -> str:
        return f"{self.issuer}/token"

    @property
    def userinfo_endpoint(self) -> str:
        return f"{self.issuer}/me"

    @property
    def jwks_uri(self) -> str:
        return f"{self.issuer}/jwks"

    @property
    def end_session_endpoint(self) -> str:
        return f"{self.issuer}/session/end"

    # -- the test's client --------------------------------------------------------------------

    @property
    def client(self) -> dict[str, Any]:
        if self._client is None:
            raise RuntimeError("call oidc_provider.start(redirect_uris=[...]) first")
        return self._client

    @property
    def client_id(self) -> str:
        return str(self.client["client_id"])

    @property
    def client_secret(self) -> str:
        return str(self.client["client_secret"])

    def start(
        self,
        redirect_uris: list[str],
        post_logout_redirect_uris: list[str] | None = None,
        *,
        id_token_ttl_seconds: int = 3600,
        pkce_required: bool = True,
        accounts: dict[str, dict[str, Any] | None] | None = None,
        token_endpoint_auth_method: str = "client_secret_basic",  # noqa: S107 (not a secret)
        client_name: str = "Bürgerportal (Test)",
    ) -> OidcProvider:
        """Register this test's client; returns self.

        ``accounts`` changes the default accounts for this client: a dict replaces (or adds)
        that person, ``None`` removes them. Calling ``start`` again registers a new client.
        """
        self.peer.check_alive()
        effective = copy.deepcopy(DEFAULT_ACCOUNTS)
        for sub, claims in (accounts or {}).items():
            if claims is None:
                effective.pop(sub, None)
            else:
                effective[sub] = copy.deepcopy(claims)
        metadata = {
            "client_name": client_name,
            "application_type": "web",
            "redirect_uris": list(redirect_uris),
            "post_logout_redirect_uris": list(post_logout_redirect_uris or []),
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "token_endpoint_auth_method": token_endpoint_auth_method,
            "id_token_signed_response_alg": "RS256",
            "x_accounts": effective,
            "x_id_token_ttl_seconds": id_token_ttl_seconds,
            "x_pkce_required": pkce_required,
        }
        self._client = self.peer.register_client(metadata)
        self.accounts = effective
        self.redirect_uris = list(redirect_uris)
        self.post_logout_redirect_uris = list(post_logout_redirect_uris or [])
        self.id_token_ttl_seconds = id_token_ttl_seconds
        self.pkce_required = pkce_required
        self.token_endpoint_auth_method = token_endpoint_auth_method
        return self

    def metadata(self) -> dict[str, Any]:
        """The discovery document, as the client sees it (through the proxy)."""
        response = requests.get(self.discovery_url, timeout=10)
        response.raise_for_status()
        document: dict[str, Any] = response.json()
        return document

    # -- driving the provider without a browser -----------------------------------------------

    def authorize(
        self,
        http: requests.Session,
        authorization_url: str,
        account: str | None = "erika",
        *,
        max_steps: int = 10,
    ) -> str:
        """Follow an authorization request through the login form to the client.

        Returns the URL the provider redirects to outside itself (the redirect URI with
        ``code``, ``state`` and ``iss``, or with ``error``); it is not requested. With
        ``account=None`` the login is cancelled ("Abbrechen"). ``http`` keeps the provider's
        cookies (a second authorize in the same session reuses the provider's session).
        Raises AssertionError when the provider answers with a page instead (e.g. an
        unregistered redirect_uri).
        """
        url = authorization_url
        response = http.get(url, allow_redirects=False, timeout=10)
        for _ in range(max_steps):
            if response.is_redirect:
                url = urljoin(url, response.headers["Location"])
                if not url.startswith(self.issuer + "/"):
                    return url
                response = http.get(url, allow_redirects=False, timeout=10)
                continue
            forms = _forms(response.text)
            login = next((f for f in forms if f.action.endswith("/login")), None)
            if response.status_code != 200 or login is None:
                raise AssertionError(
                    f"provider answered {response.status_code} at {url}: {response.text[:2000]}"
                )
            if account is None:
                abort = next(f for f in forms if f.action.endswith("/abort"))
                response = http.post(urljoin(url, abort.action), allow_redirects=False, timeout=10)
            else:
                response = http.post(
                    urljoin(url, login.action),
                    data={"account": account},
                    allow_redirects=False,
                    timeout=10,
                )
            url = response.url
        raise AssertionError(f"no redirect to the client after {max_steps} steps (at {url})")

    def logout(self, http: requests.Session, end_session_url: str, *, confirm: bool = True) -> str:
        """Follow an RP-initiated logout request through the confirmation page.

        Returns the post-logout redirect (outside the provider), or the provider's own
        final URL when it shows its "Abgemeldet" page itself.
        """
        response = http.get(end_session_url, allow_redirects=False, timeout=10)
        forms = _forms(response.text)
        logout = next((f for f in forms if f.id == "op.logoutForm"), None)
        if response.status_code != 200 or logout is None:
            raise AssertionError(f"no logout confirmation: {response.status_code} {response.text}")
        data = dict(logout.fields)
        if confirm:
            data["logout"] = "yes"
        url = urljoin(end_session_url, logout.action)
        response = http.post(url, data=data, allow_redirects=False, timeout=10)
        while response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            if not url.startswith(self.issuer + "/"):
                return url
            response = http.get(url, allow_redirects=False, timeout=10)
        return url


class _Form:
    def __init__(self, action: str, form_id: str) -> None:
        self.action = action
        self.id = form_id
        self.fields: list[tuple[str, str]] = []


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[_Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(_Form(attributes.get("action", ""), attributes.get("id", "")))
        elif tag == "input" and self.forms and attributes.get("name"):
            self.forms[-1].fields.append((attributes["name"], attributes.get("value", "")))


def _forms(html: str) -> list[_Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


_shared_peer: OidcPeerProcess | None = None
_shared_peer_users = 0


@pytest.fixture(scope="session")
def oidc_peer_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcPeerProcess]:
    """The provider process and proxy, shared by the session (per xdist worker).

    Shared even when this fixture is registered twice (imported into a conftest and a test
    module): one node process per pytest process.
    """
    global _shared_peer, _shared_peer_users
    if _shared_peer is None:
        node = ensure_node_modules()
        peer = OidcPeerProcess(tmp_path_factory.mktemp("oidc-peer"), node=node)
        peer.start()  # node and oidc-provider are there: a failure to start is an error
        _shared_peer = peer
    _shared_peer_users += 1
    try:
        yield _shared_peer
    finally:
        _shared_peer_users -= 1
        if _shared_peer_users == 0:
            _shared_peer.stop()
            _shared_peer = None


@pytest.fixture
def oidc_provider(oidc_peer_process: OidcPeerProcess) -> Iterator[OidcProvider]:
    """This test's provider: call ``.start(redirect_uris=[...])`` to register its client."""
    oidc_peer_process.check_alive()
    oidc_peer_process.proxy.reset()
    try:
        yield OidcProvider(oidc_peer_process)
    finally:
        oidc_peer_process.proxy.reset()
