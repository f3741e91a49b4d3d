"""The bench's servers: gunicorn started on a free port in a process group of its own, waited
for, and stopped whatever happens; the migrations of a throwaway database. Shared by
``bench/run.py`` and ``bench/lighthouse.py``."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent


class BenchError(Exception):
    """A failure that ends the run with a clear message and a non-zero exit."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- servers


def free_port(host: str = "127.0.0.1") -> int:
    """A port the kernel just called free (bind to port 0 and read it back)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    name: str
    app: str
    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        """The worker's boot error if there is one (it names the cause), else the log's end."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        all_lines = text.splitlines()
        for index, line in enumerate(all_lines):
            if "Exception in worker process" in line:
                return "\n".join(all_lines[index : index + lines])
        return "\n".join(all_lines[-lines:]) or "(log is empty)"


def gunicorn_supports(option: str) -> bool:
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    return option in result.stdout


def gunicorn_command(
    app: str, port: int, workers: int, threads: int, extra: list[str]
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        *extra,
        app,
    ]


def start_server(
    server: Server, workers: int, threads: int, env: dict[str, str], extra: list[str]
) -> None:
    command = gunicorn_command(server.app, server.port, workers, threads, extra)
    log(f"[{server.name}] starting: {' '.join(command[2:])}  (log: {server.log_path})")
    with server.log_path.open("wb") as log_file:
        server.process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group, so killpg gets the workers too
        )


def wait_until_up(server: Server, path: str, timeout: float, accept_404: bool) -> str:
    """Poll until the server answers 2xx on path; return a note about how it answered."""
    url = server.base_url + path
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while time.monotonic() < deadline:
        if server.process is not None and server.process.poll() is not None:
            raise BenchError(
                f"{server.name} exited with code {server.process.returncode} before it "
                f"answered {path}.\n--- from {server.log_path} ---\n{server.log_tail()}"
            )
        try:
            response = requests.get(url, timeout=2, allow_redirects=False)
        except requests.RequestException as exc:
            last = f"{type(exc).__name__}"
        else:
            if 200 <= response.status_code < 300:
                return f"{path} -> {response.status_code}"
            if response.status_code == 404 and accept_404:
                return f"{path} -> 404 (no health endpoint; the server answers, so it is up)"
            last = f"HTTP {response.status_code}"
        time.sleep(0.2)
    raise BenchError(
        f"{server.name} did not answer {url} with 2xx within {timeout:.0f}s (last: {last}).\n"
        f"--- from {server.log_path} ---\n{server.log_tail()}"
    )


def stop_group(process: subprocess.Popen[Any] | None, name: str, *, timeout: float = 10) -> None:
    """Stop a server started in its own process group: SIGTERM to the group, then SIGKILL to
    whatever of it is left (a master that went leaves its workers behind otherwise)."""
    if process is None:
        return
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log(f"[{name}] did not stop on SIGTERM; sending SIGKILL")
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        log(f"[{name}] pid {process.pid} is still there after SIGKILL")


def stop_server(server: Server) -> None:
    stop_group(server.process, server.name)


def find_portal_cli() -> Path | None:
    beside_python = Path(sys.executable).parent / "portal"
    if beside_python.exists():
        return beside_python
    found = shutil.which("portal")
    return Path(found) if found else None


def run_migrations(env: dict[str, str]) -> str:
    portal = find_portal_cli()
    if portal is None:
        log(
            "[migrate] WARNING: no 'portal' command (beside this Python or on PATH); "
            "skipping 'portal db upgrade' - the portal may fail without its tables"
        )
        return "skipped: no 'portal' command"
    log(f"[migrate] {portal} db upgrade")
    result = subprocess.run(
        [str(portal), "db", "upgrade"],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise BenchError(
            f"'portal db upgrade' failed with code {result.returncode}:\n"
            f"{result.stdout}{result.stderr}"
        )
    return "ok"
