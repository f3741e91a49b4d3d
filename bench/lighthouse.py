"""Lighthouse (mobile) on the portal's main pages, against Debian's Chromium.

Run from anywhere with the project's venv::

    .venv/bin/python bench/lighthouse.py [--report-only] [--keep-reports DIR]

What it does, in one run:

1. installs the pinned Lighthouse npm package into ``bench/node_modules`` (``npm ci``) if it
   is not there;
2. migrates a throwaway SQLite database and seeds it as ``portal demo`` does
   (``bench/lighthouse_seed.py``: clerks, notices, the demo's fine cases with their photos and
   letters), plus an open fine case's letter link and a confirmed citizen password account;
3. starts the portal under gunicorn on a free port (the helpers of ``bench/run.py``);
4. gets what a citizen's browser would hold: the session the letter's link opens (the case page
   needs it), a session logged in with the account's password (for ``/konto``), and the first
   step of the Kita registration (where the service's address redirects to);
5. runs Lighthouse once per page: mobile form factor with its default simulated throttling
   (slow 4G, 4x CPU), categories performance, accessibility, best practices and SEO, headless
   Chromium; the session cookie and ``Accept-Language`` go as extra headers;
6. prints the four scores per page and, for any score below 100, the audits that cost points.

Exit code: 0 when every score is 100 (or with ``--report-only`` whenever the run worked); 1 when
a score is below 100 or the run failed; 2 when npm, Lighthouse or Chromium is missing.
Numbers are for the README's performance section, never for tests.
"""

from __future__ import annotations

import argparse
import contextlib
import html.parser
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

import requests

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.servers import (  # noqa: E402  (the repository root must be importable first)
    BenchError,
    Server,
    free_port,
    gunicorn_supports,
    run_migrations,
    start_server,
    stop_server,
    wait_until_up,
)

LIGHTHOUSE = BENCH_DIR / "node_modules" / ".bin" / "lighthouse"
DEFAULT_CHROME = "/usr/bin/chromium"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CATEGORY_TITLES = {
    "performance": "perf",
    "accessibility": "a11y",
    "best-practices": "best",
    "seo": "seo",
}
LANGUAGES = {"de": "de-DE,de;q=0.9", "en": "en-GB,en;q=0.9"}
METRICS = (
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
    "speed-index",
)
KITA_START = "/antraege/kita-anmeldung"
LIGHTHOUSE_TIMEOUT_S = 300
# Lighthouse's own word for a trace it failed to record (NO_NAVSTART and the like, now and then
# with Debian's newer Chromium, on any page): such a run is made again, at most this often.
RUN_AGAIN = "Please run Lighthouse again"
RUN_AGAIN_AT_MOST = 2


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class MissingTool(BenchError):
    """npm, Lighthouse or Chromium is not there: exit code 2."""


@dataclass
class Page:
    name: str  # as --pages names it
    url: str
    cookie: str = ""  # the Cookie header of the browser that opened it


@dataclass
class PageResult:
    name: str
    url: str
    scores: dict[str, int | None] = field(default_factory=dict)
    failing: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    metrics: dict[str, str] = field(default_factory=dict)
    lighthouse_version: str = ""
    chrome: str = ""
    report: str = ""
    error: str = ""
    runs: list[int | None] = field(default_factory=list)  # performance of every run

    @property
    def perfect(self) -> bool:
        return not self.error and all(self.scores.get(c) == 100 for c in CATEGORIES)


# --------------------------------------------------------------------------- tools


def ensure_lighthouse() -> None:
    """``npm ci`` in bench/ when the pinned Lighthouse is not installed yet."""
    if LIGHTHOUSE.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise MissingTool(
            "Lighthouse is not installed in bench/node_modules and npm is missing "
            "(Node.js 20.19+ with npm: apt-get install nodejs npm)"
        )
    log("[lighthouse] npm ci in bench/ (bench/package-lock.json)")
    result = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=BENCH_DIR,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0 or not LIGHTHOUSE.exists():
        raise MissingTool(f"npm ci in bench/ failed:\n{result.stdout}{result.stderr}")


def check_chrome(path: str) -> None:
    if not (Path(path).exists() and os.access(path, os.X_OK)):
        raise MissingTool(f"no Chromium at {path} (apt-get install chromium, or --chrome-path)")


# --------------------------------------------------------------------------- portal


def portal_env(tmp: Path, base_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{tmp / 'lighthouse.db'}",
        # The demo's photos and letters stay in the temp dir, not in the checkout's instance/.
        INSTANCE_DIR=str(tmp / "instance"),
        SECRET_KEY=secrets.token_hex(32),
        FLASK_DEBUG="0",
        PYTHONDONTWRITEBYTECODE="1",
        PORTAL_BASE_URL=base_url,
    )
    return env


def seed(env: dict[str, str], tmp: Path) -> dict[str, str]:
    out = tmp / "seed.json"
    log("[seed] the demo's data, a letter link and a confirmed citizen account")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.lighthouse_seed",
            "--out",
            str(out),
            "--letters-dir",
            str(tmp / "letters"),
        ],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise BenchError(f"seeding failed (code {result.returncode}):\n{result.stderr[-3000:]}")
    seeded: dict[str, str] = json.loads(out.read_text())
    return seeded


class _CsrfFinder(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.token = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "input" and values.get("name") == "csrf_token" and not self.token:
            self.token = values.get("value") or ""


def csrf_token(page_html: str) -> str:
    finder = _CsrfFinder()
    finder.feed(page_html)
    if not finder.token:
        raise BenchError("no csrf_token in the page")
    return finder.token


def cookie_header(browser: requests.Session) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in browser.cookies)


def new_browser(language: str) -> requests.Session:
    browser = requests.Session()
    browser.headers["Accept-Language"] = LANGUAGES[language]
    return browser


def case_page(base_url: str, letter_path: str, language: str) -> Page:
    """The case page as the letter's QR code opens it in a fresh browser."""
    browser = new_browser(language)
    response = browser.get(base_url + letter_path, timeout=30)
    if response.status_code != 200 or "/bussgeld/fall/" not in response.url:
        raise BenchError(f"the letter link answered {response.status_code} at {response.url}")
    return Page("case", response.url, cookie_header(browser))


def form_step(base_url: str, language: str) -> Page:
    """The Kita registration's first step (its service address redirects there)."""
    response = new_browser(language).get(base_url + KITA_START, timeout=30)
    if response.status_code != 200 or urlsplit(response.url).path == KITA_START:
        raise BenchError(f"{KITA_START} answered {response.status_code} at {response.url}")
    return Page("form-step", response.url)


def account_page(base_url: str, email: str, password: str, language: str) -> Page:
    """/konto logged in with the citizen's password, as the login form does it."""
    browser = new_browser(language)
    login = browser.get(base_url + "/konto", timeout=30)
    sent = browser.post(
        base_url + "/konto/anmelden",
        data={"csrf_token": csrf_token(login.text), "email": email, "password": password},
        allow_redirects=False,
        timeout=30,
    )
    if sent.status_code != 302:
        raise BenchError(f"the citizen login answered {sent.status_code}")
    account = browser.get(base_url + "/konto", timeout=30)
    if account.status_code != 200 or 'action="/konto/abmelden"' not in account.text:
        raise BenchError("after the login /konto does not show the logged-in account")
    return Page("konto", account.url, cookie_header(browser))


def warm_up(page: Page, language: str, times: int = 6) -> None:
    """A few untimed requests, so every worker has compiled the page's templates and filled its
    caches before Lighthouse times the first one (as on a server that has run a while)."""
    headers = {"Accept-Language": LANGUAGES[language]}
    if page.cookie:
        headers["Cookie"] = page.cookie
    for _ in range(times):
        response = requests.get(page.url, headers=headers, timeout=30, allow_redirects=False)
        if response.status_code != 200:
            raise BenchError(f"{page.url} answered {response.status_code} while warming up")


PAGE_NAMES = ("start", "bussgeld", "urkunden", "case", "form-step", "konto")


def open_page(name: str, base_url: str, seeded: dict[str, str], language: str) -> Page:
    """The page to measure, opened as a citizen's browser would have it."""
    if name == "case":
        return case_page(base_url, seeded["letter_path"], language)
    if name == "form-step":
        return form_step(base_url, language)
    if name == "konto":
        return account_page(base_url, seeded["email"], seeded["password"], language)
    paths = {"start": "/", "bussgeld": "/bussgeld", "urkunden": "/dienste/urkunden"}
    return Page(name, base_url + paths[name])


# --------------------------------------------------------------------------- lighthouse


def lighthouse_command(page: Page, report: Path, headers: Path, extra: list[str]) -> list[str]:
    return [
        str(LIGHTHOUSE),
        page.url,
        "--form-factor=mobile",  # with the default screen emulation and simulated throttling
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox",
        f"--extra-headers={headers}",
        "--output=json",
        f"--output-path={report}",
        "--quiet",
        *extra,
    ]


def measure(page: Page, out_dir: Path, opts: argparse.Namespace) -> PageResult:
    """``--runs`` Lighthouse runs of the page; the run with the median performance score (as
    Lighthouse advises for its variance), with every run's performance score."""
    runs = [run_until_recorded(page, out_dir, run, opts) for run in range(1, opts.runs + 1)]
    failed = [r for r in runs if r.error]
    if failed:
        return failed[0]
    ordered = sorted(runs, key=lambda r: r.scores.get("performance") or 0)
    median = ordered[(len(ordered) - 1) // 2]
    median.runs = [r.scores.get("performance") for r in runs]
    return median


def run_until_recorded(page: Page, out_dir: Path, run: int, opts: argparse.Namespace) -> PageResult:
    """A run, made again when Lighthouse says its trace was not recorded (it asks for that
    itself); every other failure counts."""
    result = run_lighthouse(page, out_dir, run, opts)
    for _ in range(RUN_AGAIN_AT_MOST):
        if not (result.error and RUN_AGAIN in result.error):
            break
        log(f"[lighthouse] {page.name}, run {run}: trace not recorded, run again")
        result = run_lighthouse(page, out_dir, run, opts)
    return result


def run_lighthouse(page: Page, out_dir: Path, run: int, opts: argparse.Namespace) -> PageResult:
    chrome, language = opts.chrome_path, opts.language
    report = out_dir / f"{page.name}-{run}.report.json"
    headers = out_dir / f"{page.name}-{run}.headers.json"
    extra = {"Accept-Language": LANGUAGES[language]}
    if page.cookie:
        extra["Cookie"] = page.cookie
    headers.write_text(json.dumps(extra))
    command = lighthouse_command(page, report, headers, opts.flags)
    log(f"[lighthouse] {page.name} ({urlsplit(page.url).path}), run {run} of {opts.runs}")
    process = subprocess.Popen(
        command,
        cwd=BENCH_DIR,
        env={**os.environ, "CHROME_PATH": chrome},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group: Chromium goes with it if we stop early
    )
    try:
        stdout, stderr = process.communicate(timeout=LIGHTHOUSE_TIMEOUT_S)
    except BaseException:
        kill_group(process)
        raise
    finally:
        headers.unlink(missing_ok=True)  # it holds a session cookie
    result = PageResult(page.name, page.url, report=str(report))
    if process.returncode != 0 or not report.exists():
        result.error = f"lighthouse exited {process.returncode}: {(stderr or stdout)[-2000:]}"
        return result
    read_report(json.loads(report.read_text()), result)
    return result


def kill_group(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def read_report(lhr: dict[str, Any], result: PageResult) -> None:
    """The scores, the audits that cost points and the main metrics of one report."""
    result.lighthouse_version = str(lhr.get("lighthouseVersion", ""))
    result.chrome = str(lhr.get("environment", {}).get("hostUserAgent", ""))
    if lhr.get("runtimeError"):
        result.error = f"{lhr['runtimeError'].get('code')}: {lhr['runtimeError'].get('message')}"
    audits = lhr.get("audits", {})
    for category in CATEGORIES:
        data = lhr.get("categories", {}).get(category, {})
        score = data.get("score")
        result.scores[category] = None if score is None else round(score * 100)
        failing = []
        # Below 100 only: at 100 a metric may still score 0.99 on its own.
        for ref in data.get("auditRefs", []) if result.scores[category] != 100 else []:
            audit = audits.get(ref["id"], {})
            if ref.get("weight", 0) <= 0 or audit.get("score") is None or audit["score"] >= 1:
                continue
            failing.append(
                {
                    "id": ref["id"],
                    "title": audit.get("title", ""),
                    "score": audit["score"],
                    "weight": ref["weight"],
                    "value": audit.get("displayValue", ""),
                    "items": failing_items(audit),
                }
            )
        if failing:
            result.failing[category] = failing
    for metric in METRICS:
        if metric in audits:
            result.metrics[metric] = str(audits[metric].get("displayValue", ""))


def failing_items(audit: dict[str, Any], limit: int = 5) -> list[str]:
    """What the audit names as the cause (elements, URLs), shortened for the terminal."""
    items = []
    for item in audit.get("details", {}).get("items", [])[:limit]:
        node = item.get("node", {}) if isinstance(item, dict) else {}
        text = node.get("snippet") or item.get("url") or node.get("selector") or ""
        if not text and isinstance(item.get("source"), dict):
            text = item["source"].get("url", "")
        if text:
            items.append(str(text)[:160])
    return items


# --------------------------------------------------------------------------- report


def print_report(report: dict[str, Any]) -> None:
    """The scores per page, then the audits behind every score below 100."""
    pages = report["pages"]
    print(
        f"Lighthouse, mobile (simulated slow 4G, 4x CPU slowdown), {report['started']}; "
        "the median run of each page by performance"
    )
    width = max(len(page["name"]) for page in pages)
    titles = " | ".join(f"{CATEGORY_TITLES[c]:>4}" for c in CATEGORIES)
    print(f"{'page':<{width}} | {titles} | perf of each run | path")
    for page in pages:
        scores = page["scores"]
        cells = " | ".join(f"{'-' if scores.get(c) is None else scores[c]:>4}" for c in CATEGORIES)
        runs = " ".join("-" if run is None else str(run) for run in page["performance_runs"])
        print(f"{page['name']:<{width}} | {cells} | {runs:<16} | {page['path']}")
    for page in pages:
        if page["error"]:
            print(f"\n{page['name']}: ERROR {page['error']}")
        for category, audits in page["failing"].items():
            print(f"\n{page['name']}, {category} {page['scores'].get(category)}:")
            for audit in audits:
                value = f" ({audit['value']})" if audit["value"] else ""
                print(f"  {audit['id']}: {audit['title']}{value}")
                for item in audit["items"]:
                    print(f"    {item}")
    print("\nmetrics: FCP / LCP / TBT / CLS / Speed Index")
    for page in pages:
        metrics = " / ".join(page["metrics"].get(m, "-") for m in METRICS)
        print(f"{page['name']:<{width}}   {metrics}")
    first = next((page for page in pages if page["lighthouse_version"]), None)
    if first:
        print(f"Lighthouse {first['lighthouse_version']}; {first['chrome']}")


def report_json(results: list[PageResult], started: str) -> dict[str, Any]:
    return {
        "started": started,
        "pages": [
            {
                "name": r.name,
                "path": urlsplit(r.url).path,
                "scores": r.scores,
                "failing": r.failing,
                "metrics": r.metrics,
                "lighthouse_version": r.lighthouse_version,
                "chrome": r.chrome,
                "error": r.error,
                "performance_runs": r.runs,
            }
            for r in results
        ],
        "all_100": all(r.perfect for r in results),
    }


# --------------------------------------------------------------------------- main


def add_arguments(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    """The options, also for ``bench/run.py`` (there with ``lighthouse-`` before them)."""
    p = prefix
    parser.add_argument(
        f"--{p}chrome-path",
        default=DEFAULT_CHROME,
        help=f"the Chromium Lighthouse drives (default {DEFAULT_CHROME})",
    )
    parser.add_argument(
        f"--{p}language",
        choices=sorted(LANGUAGES),
        default="de",
        help="the browser's language, sent as Accept-Language (default de)",
    )
    parser.add_argument(
        f"--{p}keep-reports",
        type=Path,
        metavar="DIR",
        help="copy Lighthouse's JSON reports (<page>-<run>.report.json) into DIR",
    )
    parser.add_argument(
        f"--{p}runs",
        type=positive,
        default=3,
        help="Lighthouse runs per page; the median run by performance counts (default 3)",
    )
    parser.add_argument(
        f"--{p}pages",
        type=page_names,
        default=list(PAGE_NAMES),
        metavar="NAMES",
        help=f"comma-separated, of {','.join(PAGE_NAMES)} (default all)",
    )
    parser.add_argument(
        f"--{p}flag",
        action="append",
        default=[],
        metavar="FLAG",
        help=f"one more Lighthouse CLI flag, e.g. --{p}flag=--save-assets (repeatable; "
        "the numbers are then not the benchmark's)",
    )


def positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def page_names(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names or set(names) - set(PAGE_NAMES):
        raise argparse.ArgumentTypeError(f"choose from {','.join(PAGE_NAMES)}")
    return names


def options(args: argparse.Namespace, prefix: str = "") -> argparse.Namespace:
    name = prefix.replace("-", "_")
    return argparse.Namespace(
        chrome_path=getattr(args, f"{name}chrome_path"),
        language=getattr(args, f"{name}language"),
        keep_reports=getattr(args, f"{name}keep_reports"),
        runs=getattr(args, f"{name}runs"),
        pages=getattr(args, f"{name}pages"),
        flags=getattr(args, f"{name}flag"),
    )


def run(opts: argparse.Namespace) -> dict[str, Any]:
    """Seed, serve and measure; the report as JSON. Raises BenchError (MissingTool) on failure."""
    check_chrome(opts.chrome_path)
    ensure_lighthouse()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    tmp = Path(tempfile.mkdtemp(prefix="portal-lighthouse-"))
    portal = Server("portal", "server.wsgi:app", free_port(), tmp / "portal.log")
    env = portal_env(tmp, portal.base_url)
    ok = False
    try:
        run_migrations(env)
        seeded = seed(env, tmp)
        extra = ["--no-control-socket"] if gunicorn_supports("--no-control-socket") else []
        # Threads, so Lighthouse's parallel requests for the page's resources do not queue.
        start_server(portal, 2, 4, env, extra)
        log(f"[portal] up: {wait_until_up(portal, '/healthz', 30, accept_404=False)}")
        measured = [open_page(name, portal.base_url, seeded, opts.language) for name in opts.pages]
        for page in measured:
            warm_up(page, opts.language)
        results = [measure(page, tmp, opts) for page in measured]
        if opts.keep_reports:
            opts.keep_reports.mkdir(parents=True, exist_ok=True)
            for report in tmp.glob("*.report.json"):
                shutil.copy(report, opts.keep_reports / report.name)
        ok = not any(r.error for r in results)
        return report_json(results, started)
    finally:
        stop_server(portal)
        if ok:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            log(f"logs, database and reports kept in {tmp}")


def on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Lighthouse (mobile) scores of the portal's main pages."
    )
    add_arguments(parser)
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="exit 0 also when a score is below 100 (only a failed run exits non-zero)",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        report = run(options(args))
    except MissingTool as exc:
        log(f"error: {exc}")
        return 2
    except BenchError as exc:
        log(f"error: {exc}")
        return 1
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    if any(page["error"] for page in report["pages"]):
        return 1
    return 0 if args.report_only or report["all_100"] else 1


if __name__ == "__main__":
    sys.exit(main())
