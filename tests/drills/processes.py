"""Real processes for the fault drills, each private to the drill so that it can be stopped,
killed and started again without touching anything another test (or engineer) uses: a
PostgreSQL cluster of its own (``initdb`` and ``pg_ctl`` in a temporary folder, on a free port),
a Redis server without persistence, moto's S3 server and ``portal serve`` itself.

Every class starts its process on construction's ``start()`` and keeps its port across restarts,
so the portal, configured once, finds the peer again when it is back.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import requests

CHECKOUT = Path(__file__).resolve().parents[2]
PORTAL = Path(sys.executable).parent / "portal"
MOTO_SERVER = Path(sys.executable).parent / "moto_server"


class Unavailable(RuntimeError):
    """A tool the drills need is missing on this machine."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(check: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {seconds} s")
        time.sleep(0.05)


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _stop(process: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM) -> None:
    """Signal the process group the drill started (never anything else) and reap it."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, sig)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def browser() -> requests.Session:
    """A client that asks for pages as a browser does (``requests`` alone accepts anything,
    which the portal answers with JSON)."""
    session = requests.Session()
    session.trust_env = False
    session.headers.update(
        {
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Language": "de-DE,de;q=0.9",
        }
    )
    return session


class PrivatePostgres:
    """A PostgreSQL cluster of the drill's own: trust authentication for ``postgres``, no fsync
    (nothing here needs to survive the machine), listening on 127.0.0.1 at a free port.
    Commits are synchronous as in production: a crashed server (``immediate``) must keep what
    it confirmed, or the drill would lose a session the portal was told was stored.

    PostgreSQL refuses to run as root: when the tests run as root, ``initdb``, ``pg_ctl`` and
    the server run as the ``postgres`` user (``runuser``), in a folder handed to it."""

    def __init__(self) -> None:
        binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if binaries:
            self.bin = binaries[-1].parent
        elif shutil.which("pg_ctl"):
            self.bin = Path(str(shutil.which("pg_ctl"))).parent
        else:
            raise Unavailable("PostgreSQL's initdb and pg_ctl are not installed")
        self.as_root = os.geteuid() == 0
        if self.as_root and shutil.which("runuser") is None:
            raise Unavailable("running as root, runuser is needed to start PostgreSQL")
        self.root = Path(tempfile.mkdtemp(prefix="portal-drill-pg-"))
        if self.as_root:
            try:
                shutil.chown(self.root, "postgres", "postgres")
            except (LookupError, PermissionError) as error:
                raise Unavailable(f"no postgres user to run PostgreSQL as: {error}") from error
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")  # fmt: skip

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        if done.returncode != 0:
            raise AssertionError(
                f"{tool} failed: {done.stdout}\n{done.stderr}\n{self.server_log()}"
            )

    def server_log(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            "-c fsync=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w",
                  "-t", "30", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """``fast``: disconnect every client and shut down cleanly (a restart by the operator);
        ``immediate``: abort like a crash, recovery at the next start."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    @property
    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def close(self) -> None:
        if self.running:
            with contextlib.suppress(AssertionError):
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    """``redis-server`` on a free port, keeping nothing on disk."""

    def __init__(self, folder: Path) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise Unavailable("redis-server is not installed")
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert self.binary is not None
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(lambda: port_open(self.port), "redis-server listening")

    def kill(self) -> None:
        _stop(self.process, signal.SIGKILL)
        wait_for(lambda: not port_open(self.port), "redis-server gone")

    def close(self) -> None:
        _stop(self.process)


class MotoS3:
    """moto's S3 server. It keeps everything in memory: after a kill the bucket and its objects
    are gone, as after losing a disk; ``start`` creates the bucket again."""

    def __init__(self, bucket: str) -> None:
        if not MOTO_SERVER.exists() and shutil.which("moto_server") is None:
            raise Unavailable("moto_server is not installed (pip install 'moto[server]')")
        self.port = free_port()
        self.bucket = bucket
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings(self) -> dict[str, str]:
        return {
            "UPLOAD_STORAGE": "s3",
            "UPLOAD_S3_ENDPOINT_URL": self.url,
            "UPLOAD_S3_BUCKET": self.bucket,
            "UPLOAD_S3_ACCESS_KEY_ID": "test",
            "UPLOAD_S3_SECRET_ACCESS_KEY": "test",
            "UPLOAD_S3_REGION": "eu-central-1",
            "UPLOAD_S3_PREFIX": "portal/",
        }

    def client(self) -> object:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            region_name="eu-central-1",
        )

    def start(self) -> None:
        binary = str(MOTO_SERVER if MOTO_SERVER.exists() else "moto_server")
        self.process = subprocess.Popen(
            [binary, "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

        def answers() -> bool:
            try:
                requests.get(self.url, timeout=5)
            except (requests.ConnectionError, requests.Timeout):
                return False
            return True

        wait_for(answers, "moto_server answering")
        self.client().create_bucket(  # type: ignore[attr-defined]
            Bucket=self.bucket,
            CreateBucketConfiguration={"LocationConstraint": "eu-central-1"},
        )

    def kill(self) -> None:
        _stop(self.process, signal.SIGKILL)
        wait_for(lambda: not port_open(self.port), "moto_server gone")

    def close(self) -> None:
        _stop(self.process)


class PortalProcess:
    """``portal serve`` (gunicorn) with the given settings, as production runs it."""

    def __init__(self, settings: Mapping[str, str], log: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.workers = workers
        self.env = {
            **os.environ,
            "PYTHONPATH": str(CHECKOUT),
            "PORTAL_BASE_URL": self.url,
            **settings,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [
                    str(PORTAL),
                    "serve",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(self.workers),
                    "--threads",
                    "4",
                ],
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        def healthy() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"portal serve ended:\n{self.output()[-6000:]}")
            try:
                return requests.get(f"{self.url}/healthz", timeout=2).status_code in (200, 503)
            except requests.RequestException:
                return False

        wait_for(healthy, "portal serve answering", seconds=90)

    def output(self) -> str:
        """Everything gunicorn and the portal wrote (access log and JSON log lines)."""
        return self.log.read_text(errors="replace")

    def close(self) -> None:
        _stop(self.process)


class FaultProxy:
    """``tests/drills/fault_proxy.py`` in front of a peer: it breaks on command."""

    def __init__(self, target: str, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.target, self.log = target, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.drills.fault_proxy",
                    "--port",
                    str(self.port),
                    "--target",
                    self.target,
                ],
                env={**os.environ, "PYTHONPATH": str(CHECKOUT)},
                cwd=CHECKOUT,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(lambda: port_open(self.port), "the fault proxy listening")

    def break_(self, method: str, path: str, fault: str, **more: float) -> None:
        """Break the requests of ``method`` whose path starts with ``path`` (see the proxy)."""
        requests.put(
            f"{self.url}/_fault",
            json={"method": method, "path": path, "fault": fault, **more},
            timeout=5,
        ).raise_for_status()

    def heal(self) -> int:
        """Everything passes again; returns how many requests met the fault."""
        answer = requests.delete(f"{self.url}/_fault", timeout=5)
        answer.raise_for_status()
        return int(answer.json()["met"])

    def close(self) -> None:
        _stop(self.process)


class PaymentPlatform:
    """The sandbox payment platform as a server of its own (``bench/payment_platform.py``
    under gunicorn), as the journey mix runs it: production refuses the sandbox inside the
    portal, so the portal talks to it as to any XBezahldienste platform."""

    CLIENT_SECRET = "drill-platform-secret"
    NOTIFY_SECRET = "drill-notify-secret"

    def __init__(self, database: str, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database, self.log = database, log
        self.process: subprocess.Popen[bytes] | None = None

    def portal_settings(self, base: str) -> dict[str, str]:
        """What the portal sets to use the platform at ``base`` (itself or a proxy)."""
        return {
            "PAYMENT_PROVIDER": "xbezahldienste",
            "XBEZAHLDIENSTE_BASE_URL": f"{base}/sandbox-zahlung/api/",
            "XBEZAHLDIENSTE_TOKEN_URL": f"{base}/sandbox-zahlung/oauth/token",
            "XBEZAHLDIENSTE_ORIGINATOR_ID": "buergerportal",
            "XBEZAHLDIENSTE_ENDPOINT_ID": "musterstadt",
            "XBEZAHLDIENSTE_CLIENT_ID": "buergerportal",
            "XBEZAHLDIENSTE_CLIENT_SECRET": self.CLIENT_SECRET,
            "XBEZAHLDIENSTE_NOTIFY_SECRET": self.NOTIFY_SECRET,
        }

    def start(self, public_url: str, notify_url: str) -> None:
        """``public_url``: where the citizen's browser reaches the payment page;
        ``notify_url``: where the platform sends its signed notifications (the portal's)."""
        env = {
            **os.environ,
            "PYTHONPATH": str(CHECKOUT),
            "PORTAL_ENV": "development",
            "SECRET_KEY": "drill-platform-" + "p" * 24,
            "DATABASE_URL": self.database,
            "PORTAL_BASE_URL": public_url,
            "SANDBOX_PAYMENTS": "1",
            "PAYMENT_PROVIDER": "sandbox",
            "SANDBOX_CLIENT_SECRET": self.CLIENT_SECRET,
            "SANDBOX_NOTIFY_SECRET": self.NOTIFY_SECRET,
            "BENCH_NOTIFY_URL": notify_url,
            "DEV_EID_PROVIDER": "0",
            "DEV_WALLET": "0",
            "MAIL_FILE_DIR": tempfile.mkdtemp(prefix="drill-platform-mail-"),
            "UPLOAD_DIR": tempfile.mkdtemp(prefix="drill-platform-uploads-"),
            "LOG_FORMAT": "json",
        }
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    "1",
                    "--threads",
                    "4",
                    "--no-control-socket",
                    "bench.payment_platform:app",
                ],
                env=env,
                cwd=CHECKOUT,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        def answers() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(self.log.read_text(errors="replace")[-4000:])
            try:
                requests.get(f"{self.url}/healthz", timeout=2)
            except requests.RequestException:
                return False
            return True

        wait_for(answers, "the payment platform answering", seconds=90)

    def close(self) -> None:
        _stop(self.process)
