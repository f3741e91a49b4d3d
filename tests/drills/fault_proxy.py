"""An HTTP proxy that breaks on command: what the drills put between the portal and a peer
(the payment platform) to make it answer 500, lose its answer or be slow.

Run as its own process::

    python -m tests.drills.fault_proxy --port 8001 --target http://127.0.0.1:8002

``PUT /_fault`` with JSON ``{"method": "POST", "path": "/sandbox-zahlung/api/", "fault":
"error"}`` breaks the requests whose method is ``method`` and whose path starts with ``path``;
``DELETE /_fault`` heals. Faults:

- ``error``: answer 500 without asking the peer (the platform fails);
- ``lost``: forward, let the peer act, then answer 502 (the peer's answer is lost on its way);
- ``slow``: forward after ``seconds`` (default 30; the caller's timeout ends it first).

Every other request goes through unchanged. ``GET /_fault`` lists how many requests each fault
met.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-authorization",
    "proxy-authenticate",
    "content-length",
    "content-encoding",
}


class FaultState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.fault: dict[str, Any] | None = None
        self.met = 0

    def matching(self, method: str, path: str) -> dict[str, Any] | None:
        with self.lock:
            fault = self.fault
            if fault and fault.get("method", method) == method and path.startswith(fault["path"]):
                self.met += 1
                return dict(fault)
        return None


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    target: str
    state: FaultState

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: the drills read the portal's log, not this one

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _control(self, body: bytes) -> None:
        if self.command == "PUT":
            with self.state.lock:
                self.state.fault, self.state.met = json.loads(body), 0
        elif self.command == "DELETE":
            with self.state.lock:
                self.state.fault = None
        with self.state.lock:
            answer = json.dumps({"fault": self.state.fault, "met": self.state.met}).encode()
        self._answer(200, answer, {"Content-Type": "application/json"})

    def _forward(self, body: bytes) -> requests.Response:
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        return requests.request(
            self.command,
            self.target + self.path,
            data=body,
            headers=headers,
            allow_redirects=False,
            timeout=60,
        )

    def _handle(self) -> None:
        body = self._body()
        if self.path.startswith("/_fault"):
            self._control(body)
            return
        fault = self.state.matching(self.command, self.path) or {}
        kind = fault.get("fault")
        if kind == "error":
            self._answer(500, b'{"detail": "injected"}', {"Content-Type": "application/json"})
            return
        if kind == "slow":
            time.sleep(float(fault.get("seconds", 30)))
        answer = self._forward(body)
        if kind == "lost":
            self._answer(502, b"bad gateway", {"Content-Type": "text/plain"})
            return
        headers = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP_BY_HOP}
        self._answer(answer.status_code, answer.content, headers)

    do_GET = do_POST = do_PUT = do_DELETE = _handle


def handler(target: str, state: FaultState) -> type[BaseHTTPRequestHandler]:
    return type("BoundProxy", (Proxy,), {"target": target, "state": state})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--target", required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler(args.target, FaultState()))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
