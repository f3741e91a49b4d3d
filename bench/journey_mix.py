"""The journey mix of issue 17: the portal under a city's peak, on PostgreSQL with Redis.

    .venv/bin/python bench/journey_mix.py [--rate 150] [--seconds 60] [--json]

Needs Locust and the Redis client (``pip install -e '.[bench]'``), PostgreSQL (``--postgres-url``,
default ``postgresql://postgres@127.0.0.1:5432/postgres``) and Redis (``--redis-url``). One run:

1. creates a throwaway PostgreSQL database with a unique name and migrates it;
2. seeds it (``bench/journey_seed.py``): fine cases with their letters, notices, clerks;
3. starts the sandbox payment platform as a server of its own (``bench/payment_platform.py``,
   gunicorn, on 127.0.0.2) and ``portal serve`` with production settings: ``PORTAL_ENV=production``,
   a ``SECRET_KEY``, ``PORTAL_BASE_URL=https://portal.example.de`` behind one trusted proxy
   (``TRUSTED_PROXIES=1``), rate limits in Redis, payments through the platform with
   ``PAYMENT_PROVIDER=xbezahldienste`` (production refuses the built-in sandbox);
4. runs Locust headless with ``bench/journeys.py``: a warm-up, the target rate for the target
   time, then a stepped search for the highest rate whose p95 stays within the bound;
5. prints the table (req/s, p50/p95/p99, errors per journey and in all) or JSON, stops both
   servers and drops the database, whatever happened.

Numbers are for the README's performance section, never for tests.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench import cpu_use, sampling  # noqa: E402  (the root must be importable first)
from bench.servers import free_port, log, stop_group  # noqa: E402  (the root must be importable first)
from server.cli import default_workers  # noqa: E402

LOCUSTFILE = BENCH_DIR / "journeys.py"
PUBLIC_URL = "https://portal.example.de"
PLATFORM_HOST = "127.0.0.2"  # its own host, so that its cookies are not the portal's
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
# The bench's own Redis database: emptied at the start, so that the counters of an earlier run
# (the same Kassenzeichen in a new database) do not count against this one.
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
JOURNEY_NAMES = {
    "fine": "letter QR → case → pay → receipt",
    "lookup": "notice lookup",
    "kita": "Kita form steps",
    "clerk": "clerk queue views",
}


class JourneyError(Exception):
    """A failure that ends the run with a clear message."""


# --------------------------------------------------------------------------- processes


@dataclass
class Process:
    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log(f"[{self.name}] {' '.join(self.command[1:])}  (log: {self.log_path})")
        with self.log_path.open("wb") as output:
            self.process = subprocess.Popen(
                self.command,
                cwd=REPO_ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killpg ends the workers too
            )

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(text[-lines:])

    def wait_until_up(self, url: str, timeout: float = 60.0) -> None:
        import requests

        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise JourneyError(f"{self.name} exited before it answered:\n{self.tail()}")
            try:
                answer = requests.get(url, timeout=2)
            except requests.RequestException as error:
                last = type(error).__name__
            else:
                if answer.status_code == 200:
                    return
                last = f"HTTP {answer.status_code}: {answer.text[:200]}"
            time.sleep(0.3)
        raise JourneyError(f"{self.name}: {url} not 200 within {timeout:.0f} s ({last})")

    def stop(self) -> None:
        stop_group(self.process, self.name, timeout=15)


def venv_tool(name: str) -> str:
    tool = Path(sys.executable).parent / name
    if not tool.exists():
        raise JourneyError(f"{tool} is missing: pip install -e '.[bench]' into this venv")
    return str(tool)


# --------------------------------------------------------------------------- database, Redis


def sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def psycopg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextlib.contextmanager
def throwaway_database(admin_url: str) -> Any:
    """A new PostgreSQL database with a unique name, dropped afterwards; yields its URL."""
    import psycopg
    from psycopg import sql

    name = f"portal_journeys_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(psycopg_url(admin_url), autocommit=True)
    except psycopg.Error as error:
        raise JourneyError(f"PostgreSQL at {admin_url} is not reachable: {error}") from error
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        log(f"[database] created {name}")
        try:
            base = psycopg_url(admin_url).rsplit("/", 1)[0]
            yield f"{base}/{name}"
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            log(f"[database] dropped {name}")


def empty_redis(url: str) -> None:
    try:
        import redis
    except ImportError as error:
        raise JourneyError("the redis package is missing: pip install -e '.[bench]'") from error
    try:
        client = redis.Redis.from_url(url)
        client.ping()
        client.flushdb()
    except redis.RedisError as error:
        raise JourneyError(f"Redis at {url} is not usable: {error}") from error


# --------------------------------------------------------------------------- settings


def portal_env(args: argparse.Namespace, database: str, tmp: Path, platform: str) -> dict[str, str]:
    """Production settings, every one that production checks satisfied for real."""
    env = dict(os.environ)
    for name in list(env):  # nothing of the caller's portal settings leaks in
        if name.startswith(("SANDBOX_", "DEV_", "OIDC_", "XBEZAHLDIENSTE_", "JOURNEY_")):
            del env[name]
    env.update(
        PORTAL_ENV="production",
        SECRET_KEY=secrets.token_hex(32),
        DATABASE_URL=sqlalchemy_url(database),
        PORTAL_BASE_URL=PUBLIC_URL,
        TRUSTED_PROXIES="1",
        RATELIMIT_STORAGE_URI=args.redis_url,
        PAYMENT_PROVIDER="xbezahldienste",
        XBEZAHLDIENSTE_BASE_URL=f"{platform}/sandbox-zahlung/api/",
        XBEZAHLDIENSTE_TOKEN_URL=f"{platform}/sandbox-zahlung/oauth/token",
        XBEZAHLDIENSTE_ORIGINATOR_ID="buergerportal",
        XBEZAHLDIENSTE_ENDPOINT_ID="musterstadt",
        XBEZAHLDIENSTE_CLIENT_ID="buergerportal",
        XBEZAHLDIENSTE_CLIENT_SECRET=args.platform_secret,
        XBEZAHLDIENSTE_NOTIFY_SECRET=args.notify_secret,
        MAIL_BACKEND="file",
        MAIL_FILE_DIR=str(tmp / "mail"),
        UPLOAD_DIR=str(tmp / "uploads"),
        LOG_LEVEL="WARNING",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def platform_env(
    args: argparse.Namespace, database: str, tmp: Path, platform: str, portal: str
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PORTAL_ENV="development",
        SECRET_KEY=secrets.token_hex(32),
        DATABASE_URL=sqlalchemy_url(database),
        PORTAL_BASE_URL=platform,
        SANDBOX_PAYMENTS="1",
        PAYMENT_PROVIDER="sandbox",
        SANDBOX_CLIENT_SECRET=args.platform_secret,
        SANDBOX_NOTIFY_SECRET=args.notify_secret,
        BENCH_NOTIFY_URL=f"{portal}/zahlungen/benachrichtigung/xbezahldienste",
        DEV_EID_PROVIDER="0",
        MAIL_FILE_DIR=str(tmp / "platform-mail"),
        UPLOAD_DIR=str(tmp / "platform-uploads"),
        LOG_LEVEL="WARNING",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def stages(args: argparse.Namespace) -> list[dict[str, Any]]:
    settle = args.settle
    planned: list[dict[str, Any]] = []
    if args.warmup > 0:
        planned.append({"name": "warmup", "rate": min(50, args.rate), "seconds": args.warmup})
        planned[-1]["settle"] = 0
    planned.append({"name": "target", "rate": args.rate, "seconds": args.seconds + settle})
    planned[-1]["settle"] = settle
    if not args.no_search:
        rate = args.search_from
        while rate <= args.search_max:
            planned.append({"name": "search", "rate": rate, "seconds": args.step_seconds + settle})
            planned[-1]["settle"] = settle
            rate += args.search_step
    return planned


# --------------------------------------------------------------------------- the run


def run_command(command: list[str], env: dict[str, str], what: str, timeout: float) -> None:
    log(f"[{what}] {' '.join(command[1:])}")
    done = subprocess.run(
        command,
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise JourneyError(f"{what} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    if done.stderr.strip():
        log(done.stderr.strip().splitlines()[-1])


def access_log_counts(path: Path) -> dict[str, int]:
    """What the portal's access log says: the platform's notifications and any 5xx."""
    counts = {"notifications": 0, "notifications_not_2xx": 0, "responses_5xx": 0}
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return counts
    for line in lines:
        parts = line.split('"')
        if len(parts) < 3 or not parts[2].split():
            continue
        status = parts[2].split()[0]
        if status.startswith("5"):
            counts["responses_5xx"] += 1
        if "/zahlungen/benachrichtigung/" in parts[1]:
            counts["notifications"] += 1
            if not status.startswith("2"):
                counts["notifications_not_2xx"] += 1
    return counts


def measure(args: argparse.Namespace, tmp: Path, database: str) -> dict[str, Any]:
    portal_port = free_port()
    platform_port = free_port(PLATFORM_HOST)
    portal_url = f"http://127.0.0.1:{portal_port}"
    platform_url = f"http://{PLATFORM_HOST}:{platform_port}"
    env = portal_env(args, database, tmp, platform_url)
    python, portal_cli = sys.executable, venv_tool("portal")
    run_command([portal_cli, "db", "upgrade"], env, "migrate", 300)
    seed_file = tmp / "seed.json"
    run_command(
        [
            python,
            "-m",
            "bench.journey_seed",
            "--out",
            str(seed_file),
            "--cases",
            str(args.cases),
            "--notices",
            str(args.notices),
            "--kita",
            str(args.kita),
            "--clerks",
            str(args.clerks),
        ],
        env,
        "seed",
        600,
    )
    empty_redis(args.redis_url)
    platform = Process(
        "platform",
        [
            python,
            "-m",
            "gunicorn",
            "--bind",
            f"{PLATFORM_HOST}:{platform_port}",
            "--workers",
            "1",
            "--threads",
            "8",
            "--no-control-socket",
            "bench.payment_platform:app",
        ],
        platform_env(args, database, tmp, platform_url, portal_url),
        tmp / "platform.log",
    )
    portal = Process(
        "portal",
        [
            portal_cli,
            "serve",
            "--bind",
            f"127.0.0.1:{portal_port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
        ],
        env,
        tmp / "portal.log",
    )
    results_file = tmp / "results.json"
    planned = stages(args)
    locust_env = {
        **os.environ,
        "JOURNEY_SEED": str(seed_file),
        "JOURNEY_PUBLIC_URL": PUBLIC_URL,
        "JOURNEY_STAGES": json.dumps(planned),
        "JOURNEY_RESULTS": str(results_file),
        "JOURNEY_SEARCH_P95_MS": str(args.search_p95),
        "JOURNEY_USER_RATE": str(args.user_rate),
    }
    locust = Process(
        "locust",
        [
            venv_tool("locust"),
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "--host",
            portal_url,
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--exit-code-on-error",
            "0",
        ],
        locust_env,
        tmp / "locust.log",
    )
    try:
        platform.start()
        portal.start()
        platform.wait_until_up(f"{platform_url}/healthz")
        portal.wait_until_up(f"{portal_url}/readyz")
        assert portal.process is not None
        clock = cpu_use.Clock(portal.process.pid)
        clock.start()
        locust.start()
        assert locust.process is not None
        sampler = start_sampling(args, portal) if args.sample else None
        budget = sum(stage["seconds"] for stage in planned) + 120
        try:
            locust.process.wait(timeout=budget)
        except subprocess.TimeoutExpired as error:
            raise JourneyError(f"Locust did not finish within {budget} s") from error
        if sampler is not None:
            sampler.join()
        cpu = clock.stop(portal.log_path)
        if not results_file.exists():
            raise JourneyError(f"Locust wrote no results:\n{locust.tail()}")
        for server in (portal, platform):
            if server.process is not None and server.process.poll() is not None:
                raise JourneyError(f"{server.name} died during the run:\n{server.tail()}")
    finally:
        locust.stop()
        portal.stop()
        platform.stop()
    measured: dict[str, Any] = json.loads(results_file.read_text())
    measured["access_log"] = access_log_counts(portal.log_path)
    measured["cpu"] = cpu
    if args.sample:
        measured["samples"] = sampled(args.sample)
    return measured


def start_sampling(args: argparse.Namespace, portal: Process) -> threading.Thread:
    """py-spy on ``portal serve`` and its workers for the target stage (after the warm-up)."""
    assert portal.process is not None
    pid = portal.process.pid

    def sample() -> None:
        time.sleep(args.warmup)
        recording = sampling.record(pid, args.seconds, args.sample, gil=args.sample_gil)
        _, errors = recording.communicate()
        if recording.returncode != 0:
            log(f"py-spy failed ({recording.returncode}): {errors.decode(errors='replace')[-500:]}")

    thread = threading.Thread(target=sample, name="py-spy", daemon=True)
    thread.start()
    return thread


def sampled(raw: Path) -> list[dict[str, Any]]:
    if not raw.exists():
        return []
    shares = sampling.inclusive_shares(raw)
    return [{"percent": share.percent, "frame": share.frame} for share in shares]


def highest_passing(measured: dict[str, Any], bound: float) -> dict[str, Any] | None:
    passing = [
        stage
        for stage in measured["stages"]
        if stage["name"] == "search"
        and stage["portal"]["errors"] == 0
        and stage["portal"]["p95_ms"] <= bound
    ]
    return max(passing, key=lambda stage: stage["rate"], default=None)


# --------------------------------------------------------------------------- output


def row(label: str, numbers: dict[str, Any]) -> str:
    return (
        f"{label:<34} | {numbers['requests']:>8} | {numbers['requests_per_s']:>7.1f} "
        f"| {numbers['p50_ms']:>7.1f} | {numbers['p95_ms']:>7.1f} | {numbers['p99_ms']:>7.1f} "
        f"| {numbers['errors']:>6}"
    )


HEADER = (
    f"{'journey':<34} | {'requests':>8} | {'req/s':>7} | {'p50 ms':>7} | {'p95 ms':>7} "
    f"| {'p99 ms':>7} | {'errors':>6}"
)


def print_report(report: dict[str, Any]) -> None:
    settings = report["settings"]
    measured = report["measured"]
    target = next((s for s in measured["stages"] if s["name"] == "target"), None)
    print(
        f"Journey mix on PostgreSQL, Redis rate limits, portal serve --workers "
        f"{settings['workers']} --threads {settings['threads']}, PORTAL_ENV=production; "
        f"{settings['cpus']} CPUs shared by Locust, the portal, the platform, PostgreSQL and Redis"
    )
    if target is not None:
        print(
            f"\nAt {target['rate']} requests/s offered for {target['seconds']:.0f} s "
            f"(targets: p95 ≤ {settings['target_p95_ms']:g} ms, 0 errors)"
        )
        print(HEADER)
        print("-" * len(HEADER))
        for key, label in JOURNEY_NAMES.items():
            print(row(label, target["journeys"][key]))
        print(row("all (portal)", target["portal"]))
        print(row("payment platform (not the portal)", target["platform"]))
        verdict = (
            "met"
            if target["portal"]["p95_ms"] <= settings["target_p95_ms"]
            and target["portal"]["errors"] == 0
            else "NOT met"
        )
        print(f"target {verdict}")
        print("\nSlowest requests at the target rate (p95):")
        slowest = sorted(target["requests"].items(), key=lambda item: -item[1]["p95_ms"])[:8]
        for name, numbers in slowest:
            print(row(name[:34], numbers))
    search = [s for s in measured["stages"] if s["name"] == "search"]
    if search:
        print(
            f"\nStepped search (each step {settings['step_seconds']} s; bound p95 ≤ "
            f"{settings['search_p95_ms']:g} ms, 0 errors)"
        )
        header = (
            f"{'offered req/s':>13} | {'achieved':>8} | {'p50 ms':>7} | {'p95 ms':>7} "
            f"| {'p99 ms':>7} | {'errors':>6}"
        )
        print(header)
        print("-" * len(header))
        for stage in search:
            p = stage["portal"]
            print(
                f"{stage['rate']:>13} | {p['requests_per_s']:>8.1f} | {p['p50_ms']:>7.1f} "
                f"| {p['p95_ms']:>7.1f} | {p['p99_ms']:>7.1f} | {p['errors']:>6}"
            )
        best = report.get("highest_rate_within_bound")
        if best is None:
            print(f"no step kept p95 ≤ {settings['search_p95_ms']:g} ms")
        else:
            print(
                f"highest rate with p95 ≤ {settings['search_p95_ms']:g} ms: {best['rate']} req/s "
                f"offered ({best['achieved']:.1f} achieved)"
            )
        print(f"search ended: {measured['stopped_because']}")
    counts = measured["access_log"]
    print(
        f"\nplatform notifications to the portal: {counts['notifications']} "
        f"({counts['notifications_not_2xx']} not 2xx); 5xx in the portal's access log: "
        f"{counts['responses_5xx']}; letters used {measured['letters_used']} of "
        f"{measured['letters_seeded']}, notices {measured['notices_used']} of "
        f"{measured['notices_seeded']}"
    )
    cpu = measured.get("cpu")
    if cpu and cpu["requests"]:
        print(
            f"CPU per request over the run ({cpu['requests']} requests, warm-up included; "
            f"user + system, for comparing runs of one machine and hour): portal "
            f"{cpu['portal_ms_per_request']:.2f} ms, PostgreSQL "
            f"{cpu['postgres_ms_per_request']:.2f} ms"
        )
    if measured.get("samples"):
        print(
            "\nWhere the workers' time answering requests went in the target stage (py-spy; a "
            "frame's share of the samples it is on). py-spy ran on the same cores: this run's "
            "latencies are not comparable with an unsampled run's."
        )
        for share in measured["samples"]:
            print(f"{share['percent']:5.1f} %  {share['frame']}")


# --------------------------------------------------------------------------- main


def add_arguments(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    """The journey mix's options (``prefix`` for bench/run.py, e.g. ``journey-``)."""
    p = prefix
    parser.add_argument(f"--{p}rate", type=int, default=150, help="target req/s (150)")
    parser.add_argument(f"--{p}seconds", type=int, default=60, help="seconds at the target (60)")
    parser.add_argument(f"--{p}warmup", type=int, default=10, help="warm-up seconds (10)")
    parser.add_argument(
        f"--{p}no-search", action="store_true", help="skip the search for the highest rate"
    )
    parser.add_argument(f"--{p}search-from", type=int, default=50, help="first step (50)")
    parser.add_argument(f"--{p}search-step", type=int, default=50, help="step (50 req/s)")
    parser.add_argument(f"--{p}search-max", type=int, default=500, help="last step (500)")
    parser.add_argument(f"--{p}step-seconds", type=int, default=20, help="seconds a step (20)")
    parser.add_argument(f"--{p}cases", type=int, default=6000, help="fine cases seeded")
    parser.add_argument(f"--{p}notices", type=int, default=3000, help="notices seeded")
    parser.add_argument(
        f"--{p}kita", type=int, default=0, help="Kita registrations seeded beforehand (0)"
    )
    parser.add_argument(
        f"--{p}workers",
        type=int,
        default=default_workers(),
        help=f"portal serve --workers (its default here: {default_workers()})",
    )
    parser.add_argument(f"--{p}threads", type=int, default=1, help="portal serve --threads (1)")
    parser.add_argument(f"--{p}postgres-url", default=DEFAULT_POSTGRES)
    parser.add_argument(f"--{p}redis-url", default=DEFAULT_REDIS)
    parser.add_argument(
        f"--{p}sample",
        metavar="FILE",
        type=Path,
        help="sample the portal's workers with py-spy during the target stage, raw stacks to "
        "FILE, and print where their time went (bench/sampling.py; needs ptrace)",
    )
    parser.add_argument(
        f"--{p}sample-gil",
        action="store_true",
        help=f"with --{p}sample: only the samples holding the interpreter (CPU in Python)",
    )


def journey_options(args: argparse.Namespace, prefix: str = "") -> argparse.Namespace:
    """The options without their prefix, with the fixed ones added."""
    key = prefix.replace("-", "_")
    names = [
        "rate",
        "seconds",
        "warmup",
        "no_search",
        "search_from",
        "search_step",
        "search_max",
        "step_seconds",
        "cases",
        "notices",
        "kita",
        "workers",
        "threads",
        "postgres_url",
        "redis_url",
        "sample",
        "sample_gil",
    ]
    options = argparse.Namespace(**{name: getattr(args, key + name) for name in names})
    options.clerks = 4
    options.settle = 3
    options.target_p95 = 50.0
    options.search_p95 = 100.0
    options.user_rate = 1.0
    options.platform_secret = secrets.token_urlsafe(24)
    options.notify_secret = secrets.token_urlsafe(24)
    return options


def run(options: argparse.Namespace) -> dict[str, Any]:
    """Set up, measure, clean up; the report (raises ``JourneyError``)."""
    tmp = Path(tempfile.mkdtemp(prefix="portal-journeys-"))
    ok = False
    try:
        with throwaway_database(options.postgres_url) as database:
            measured = measure(options, tmp, database)
        # An error is something to look into: Locust's log names it, the portal's log says why.
        ok = not any(stage["portal"]["errors"] for stage in measured["stages"])
    finally:
        if ok:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            log(f"logs kept in {tmp}")
    best = highest_passing(measured, options.search_p95)
    report = {
        "settings": {
            "rate": options.rate,
            "seconds": options.seconds,
            "workers": options.workers,
            "threads": options.threads,
            "step_seconds": options.step_seconds,
            "target_p95_ms": options.target_p95,
            "search_p95_ms": options.search_p95,
            "user_rate": options.user_rate,
            "clerks": options.clerks,
            "cpus": os.cpu_count(),
            "public_url": PUBLIC_URL,
        },
        "measured": measured,
        "highest_rate_within_bound": (
            {"rate": best["rate"], "achieved": best["portal"]["requests_per_s"]} if best else None
        ),
    }
    return report


def on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        report = run(journey_options(args))
    except JourneyError as error:
        log(f"error: {error}")
        return 1
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    target = next(s for s in report["measured"]["stages"] if s["name"] == "target")
    return 0 if target["portal"]["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
