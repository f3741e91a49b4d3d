"""Pytest fixtures for the EUDI wallet login's test peer: Credo as PID issuer and wallet.

One Node process runs ``wallet.mjs`` per test session (per xdist worker): the OpenWallet
Foundation's Credo as the development PID issuer (OpenID4VCI, pre-authorized code flow, signing
with its own X.509 chain) and as the citizen's wallet (OpenID4VCI holder and OpenID4VP 1.0
holder). Tests drive it over its control API (README.md in this directory) through
:class:`WalletPeer`. The wallet is emptied before every test that uses ``wallet_peer``.

Import the fixtures where pytest sees them (``tests/conftest.py``)::

    from tests.peers.wallet.fixtures import wallet_peer, wallet_peer_process  # noqa: F401

Use in a test::

    def test_wallet_login(wallet_peer, live_portal):
        # the portal trusts the peer's PID issuer root: wallet_peer.trust_anchor_pem
        wallet_peer.issue("dc+sd-jwt", PID_PERSONS["erika"])
        url = ...  # the openid4vp://...?client_id=...&request_uri=... the portal shows
        answer = wallet_peer.present(url, trusted_certificates=[portal_verifier_cert_pem])
        assert answer["status"] == 200
        # answer["redirect_uri"]: where the portal sends the citizen's browser next
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import importlib.util
import json
import os
import queue
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
import requests

from tests.peers.oidc.fixtures import DEFAULT_ACCOUNTS

PEER_DIR = Path(__file__).resolve().parent
WALLET_SCRIPT = PEER_DIR / "wallet.mjs"
INSTALL_SCRIPT = PEER_DIR / "install.sh"
INSTALLED_MARKER = PEER_DIR / "node_modules" / ".buergerportal-installed"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
MIN_NODE = (20, 0)
# Three Credo agents start, and the issuer makes two certificate chains: a few seconds.
READY_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 60.0

Format = Literal["dc+sd-jwt", "mso_mdoc"]
SD_JWT: Format = "dc+sd-jwt"
MDOC: Format = "mso_mdoc"
PID_VCT_DE = "urn:eudi:pid:de:1"
PID_VCT_EU = "urn:eudi:pid:1"
PID_DOCTYPE = "eu.europa.ec.eudi.pid.1"
PID_NAMESPACE = PID_DOCTYPE

_PID_CLAIMS = ("given_name", "family_name", "birthdate", "address")

# The eID test persons (tests/peers/oidc) as PIDs: the same person logs in either way. The
# peer turns these (SD-JWT's names) into the mdoc's birth_date and resident_* elements.
PID_PERSONS: dict[str, dict[str, Any]] = {
    sub: {name: copy.deepcopy(account[name]) for name in _PID_CLAIMS if name in account}
    for sub, account in DEFAULT_ACCOUNTS.items()
    if "birthdate" in account
}


class WalletPeerError(AssertionError):
    """The control API refused a request (status and its JSON error)."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(f"wallet peer answered {status}: {error}")
        self.status = status
        self.error = error


def unavailable(reason: str) -> None:
    """Skip on a developer's machine, fail in CI (CI never passes by skipping)."""
    if IN_CI:
        pytest.fail(f"{reason} (CI never skips for a missing tool)")
    pytest.skip(reason)


def askar_library_dir() -> str | None:
    """The directory of libaries_askar.so from the aries-askar wheel (the test extras)."""
    spec = importlib.util.find_spec("aries_askar")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        if (Path(location) / "libaries_askar.so").exists():
            return str(location)
    return None


def _node_version(node: str) -> tuple[int, int]:
    out = subprocess.run(
        [node, "--version"], capture_output=True, text=True, check=True, timeout=30
    )
    major, minor, *_ = out.stdout.strip().lstrip("v").split(".")
    return int(major), int(minor)


def ensure_node_modules() -> str:
    """The path of ``node``, after install.sh if node_modules is missing; else skip/fail."""
    node = shutil.which("node")
    if node is None:
        unavailable("node is not on PATH: the wallet test peer cannot run")
        raise AssertionError  # unreachable: unavailable() raises
    if _node_version(node) < MIN_NODE:
        unavailable(f"node {'.'.join(map(str, MIN_NODE))} or newer is needed for Credo")
    if INSTALLED_MARKER.exists():
        return node
    if shutil.which("npm") is None:
        unavailable(f"{PEER_DIR / 'node_modules'} is missing and npm is not on PATH")
    lock_path = Path(tempfile.gettempdir()) / "buergerportal-wallet-peer-install.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # xdist workers: one install at a time
        if not INSTALLED_MARKER.exists():
            result = subprocess.run(
                [str(INSTALL_SCRIPT)],
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )
            if result.returncode != 0 or not INSTALLED_MARKER.exists():
                unavailable(f"{INSTALL_SCRIPT} failed:\n{result.stdout}\n{result.stderr}")
    return node


class WalletPeer:
    """The Node process (issuer and wallet) and its control API.

    ``smoke_verifier``: also run the throwaway Credo verifier the peer's smoke test presents
    to (under ``/oid4vp`` and ``/control/verifier``; it does not get in the portal's way).
    """

    def __init__(self, workdir: Path, node: str = "node", *, smoke_verifier: bool = True) -> None:
        self.workdir = workdir
        self.node = node
        self.smoke_verifier = smoke_verifier
        self.log_path = workdir / "wallet.log"
        self.port = 0
        self.process: subprocess.Popen[str] | None = None
        self._stdout: queue.Queue[str] = queue.Queue()
        self._anchors: dict[str, str] | None = None
        self._reader: threading.Thread | None = None

    # -- the process -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Where the peer is reached: its PID issuer is ``{base_url}/oid4vci/pid``."""
        return f"http://localhost:{self.port}"

    @property
    def control_url(self) -> str:
        return f"{self.base_url}/control"

    def log(self) -> str:
        return self.log_path.read_text("utf-8", "replace") if self.log_path.exists() else ""

    def start(self, *, log_level: str = "warn") -> WalletPeer:
        askar_dir = askar_library_dir()
        if askar_dir is None:
            unavailable("the Python package aries-askar (test extras) is not installed")
        # A listening socket handed to node: no race for a free port.
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind(("127.0.0.1", 0))
            listener.listen(128)
            self.port = listener.getsockname()[1]
            config = {
                "listen_fd": listener.fileno(),
                "base_url": self.base_url,
                "data_dir": str(self.workdir / "credo"),
                "log_level": log_level,
                "smoke_verifier": self.smoke_verifier,
                "exit_on_stdin_close": True,
            }
            config_path = self.workdir / "wallet.json"
            config_path.write_text(json.dumps(config), "utf-8")
            env = {**os.environ, "LIB_ASKAR_PATH": str(askar_dir)}
            with self.log_path.open("a", encoding="utf-8") as log:
                self.process = subprocess.Popen(
                    [self.node, str(WALLET_SCRIPT), str(config_path)],
                    cwd=PEER_DIR,
                    env=env,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    text=True,
                    pass_fds=(listener.fileno(),),
                )
        finally:
            listener.close()
        self._reader = threading.Thread(target=self._read_stdout, daemon=True)
        self._reader.start()
        try:
            line = self._stdout.get(timeout=READY_TIMEOUT_S)
        except queue.Empty:
            line = ""
        if line.strip() != f"READY {self.base_url}":
            self.stop()
            raise RuntimeError(
                f"wallet peer did not start (first line {line!r}); log:\n{self.log()}"
            )
        return self

    def _read_stdout(self) -> None:
        assert self.process is not None
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._stdout.put(line)

    def check_alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            pytest.fail(f"the wallet peer process has exited; log:\n{self.log()}")

    def stop(self) -> int | None:
        """Stop node (SIGTERM, then SIGKILL); the process's exit status."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is None:
                continue
            if pipe is self.process.stdout and self._reader is not None:
                self._reader.join(timeout=5)  # it reads to the end of the pipe first
            with contextlib.suppress(OSError):
                pipe.close()
        return self.process.returncode

    # -- the control API ---------------------------------------------------------------------

    def _call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        response = requests.request(
            method, f"{self.control_url}{path}", json=payload, timeout=REQUEST_TIMEOUT_S
        )
        if response.status_code >= 400:
            try:
                error = str(response.json().get("error"))
            except ValueError:
                error = response.text
            raise WalletPeerError(response.status_code, error)
        if response.status_code == 204:
            return None
        if response.headers.get("Content-Type", "").startswith("application/json"):
            return response.json()
        return response.text

    def _trust_anchors(self) -> dict[str, str]:
        if self._anchors is None:
            self._anchors = self._call("GET", "/trust-anchors")
        assert self._anchors is not None
        return self._anchors

    @property
    def trust_anchor_pem(self) -> str:
        """The PID issuer's root CA (PEM): the portal's trust anchor for PIDs."""
        return self._trust_anchors()["trusted"]

    @property
    def untrusted_anchor_pem(self) -> str:
        """The root of the issuer key behind ``issue(..., untrusted=True)`` (never trust it)."""
        return self._trust_anchors()["untrusted"]

    @property
    def issuer_url(self) -> str:
        """The PID issuer's URL (credential_issuer; ``iss`` of its SD-JWT VCs)."""
        return self._trust_anchors()["issuer_url"]

    def issue(
        self,
        format: Format,
        person: dict[str, Any],
        *,
        vct: str | None = None,
        expired: bool = False,
        untrusted: bool = False,
    ) -> dict[str, Any]:
        """Issue ``person``'s PID into the wallet; the stored credential (see README.md).

        ``person`` names claims as the SD-JWT PID does (given_name, family_name, birthdate,
        address{street_address, postal_code, locality, country}); ``vct`` chooses between
        urn:eudi:pid:de:1 (default) and urn:eudi:pid:1 for SD-JWT. ``expired``: ran out
        yesterday; ``untrusted``: signed under :attr:`untrusted_anchor_pem`.
        """
        payload: dict[str, Any] = {
            "format": format,
            "person": person,
            "expired": expired,
            "untrusted": untrusted,
        }
        if vct is not None:
            payload["vct"] = vct
        stored: dict[str, Any] = self._call("POST", "/issue", payload)
        return stored

    def credential_offer(
        self, format: Format, person: dict[str, Any], *, vct: str | None = None
    ) -> str:
        """An ``openid-credential-offer://`` URI for another wallet (nothing is stored here)."""
        payload: dict[str, Any] = {"format": format, "person": person}
        if vct is not None:
            payload["vct"] = vct
        offer: dict[str, str] = self._call("POST", "/offers", payload)
        return offer["credential_offer"]

    def credentials(self) -> list[dict[str, Any]]:
        stored: list[dict[str, Any]] = self._call("GET", "/credentials")
        return stored

    def clear(self) -> None:
        """Empty the wallet."""
        self._call("DELETE", "/credentials")

    def present(
        self,
        url: str,
        *,
        trusted_certificates: list[str],
        credential_id: str | None = None,
        submit: bool = True,
        refuse: bool = False,
    ) -> dict[str, Any]:
        """Answer the authorization request ``url`` (``openid4vp://...``) as the citizen would.

        ``trusted_certificates``: PEM certificates the request's x5c chain must lead to (the
        portal's verifier certificate or its root). Raises :class:`WalletPeerError` with 422
        when the wallet refuses the request (untrusted signer, client id not matching the
        certificate, ...), 409 when no stored credential matches. ``submit=False`` builds the
        response without sending it; ``refuse=True`` sends ``access_denied`` instead.
        """
        payload: dict[str, Any] = {
            "url": url,
            "trusted_certificates": trusted_certificates,
            "submit": submit,
            "refuse": refuse,
        }
        if credential_id is not None:
            payload["credential_id"] = credential_id
        answer: dict[str, Any] = self._call("POST", "/present", payload)
        return answer

    # -- the throwaway Credo verifier (smoke test only) ---------------------------------------

    def verifier_certificate_pem(self) -> str:
        pem: str = self._call("GET", "/verifier/certificate")
        return pem

    def verifier_request(
        self, format: Format, response_mode: str, client_id_prefix: str
    ) -> dict[str, str]:
        request: dict[str, str] = self._call(
            "POST",
            "/verifier/requests",
            {
                "format": format,
                "response_mode": response_mode,
                "client_id_prefix": client_id_prefix,
            },
        )
        return request

    def verifier_result(self, session_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/verifier/requests/{session_id}")
        return result


_shared_peer: WalletPeer | None = None
_shared_peer_users = 0


@pytest.fixture(scope="session")
def wallet_peer_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WalletPeer]:
    """The issuer-and-wallet process, shared by the session (per xdist worker).

    Shared even when this fixture is registered twice (imported into a conftest and a test
    module): one node process per pytest process.
    """
    global _shared_peer, _shared_peer_users
    if _shared_peer is None:
        node = ensure_node_modules()
        peer = WalletPeer(tmp_path_factory.mktemp("wallet-peer"), node=node)
        peer.start()  # node, Credo and Askar are there: a failure to start is an error
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
def wallet_peer(wallet_peer_process: WalletPeer) -> WalletPeer:
    """The wallet peer with an empty wallet: issue the PIDs this test needs."""
    wallet_peer_process.check_alive()
    wallet_peer_process.clear()
    return wallet_peer_process
