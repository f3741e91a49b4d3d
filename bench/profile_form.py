"""Profile the Kita registration's form requests with the Flask test client (issue 17).

    .venv/bin/python -m bench.profile_form [--journeys 40] [--rounds 3] [--profile KIND]
                                           [--sort cumulative|tottime] [--top 30]
                                           [--callers REGEX] [--database-url URL]

Plays the load test's Kita journey (``bench/journeys.py``: the blank first step, each step's
answers posted without JavaScript and the next step's page, the check-your-answers page, the
submission and its confirmation), each journey with a fresh cookie jar as a new citizen, and
prints per kind of request the plain milliseconds per request (wall clock and the process's
CPU time, each the best of ``--rounds`` rounds: the machine may be shared), the SQL statements
per request and the function calls per request (counted by cProfile in a pass of its own).
``--profile KIND`` (one of the kinds printed: ``step-get``, ``step-post``, ...) then prints the
functions that cost the most in the requests of that kind, and ``--callers REGEX`` who calls
those matching it. The portal's log lines go to stderr.

Runs the portal as ``bench/profile_page.py`` does (a migrated throwaway SQLite database unless
``--database-url`` is given) after a few untimed journeys to warm up. Like the load test's, the
numbers are for reading, never for tests.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import secrets
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from werkzeug.test import TestResponse

from bench.kita_answers import kita_steps
from server import create_app
from server.extensions import db
from server.formatting import city_today
from server.migrate import upgrade

KITA = "/antraege/kita-anmeldung"
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
SUBMISSION_ID = re.compile(r'name="submission_id" value="([^"]+)"')
KINDS = ("blank-step", "step-get", "step-post", "check", "submit", "received")
HEADERS = {"Accept-Language": "de"}

# A context manager around one request of the given kind.
Measure = Callable[[str], AbstractContextManager[None]]


def journey(client: FlaskClient, child: int, measure: Measure) -> None:
    """One citizen's registration; ``measure(kind)`` is around each request."""

    def request(
        kind: str, expect: int, path: str, data: dict[str, str] | None = None
    ) -> TestResponse:
        with measure(kind):
            if data is None:
                response = client.get(path, headers=HEADERS)
            else:
                response = client.post(path, data=data, headers=HEADERS)
        if response.status_code != expect:
            raise SystemExit(f"{kind} {path}: {response.status_code} instead of {expect}")
        response.close()
        return response

    page = request("blank-step", 200, f"{KITA}/kind")
    begin = (city_today() + timedelta(days=90)).isoformat()
    for step, values in kita_steps(child, begin):
        sent = request("step-post", 303, f"{KITA}/{step}", {"csrf_token": csrf(page), **values})
        target = sent.headers["Location"]
        page = request("check" if target.endswith("/pruefen") else "step-get", 200, target)
    found = SUBMISSION_ID.search(page.get_data(as_text=True))
    if found is None:
        raise SystemExit("check page without submission id")
    data = {"csrf_token": csrf(page), "submission_id": found.group(1)}
    sent = request("submit", 303, f"{KITA}/absenden", data)
    request("received", 200, sent.headers["Location"])


def csrf(page: TestResponse) -> str:
    found = CSRF.search(page.get_data(as_text=True))
    if found is None:
        raise SystemExit("page without CSRF token")
    return found.group(1)


class Tally:
    """Seconds (wall clock and the process's CPU), requests and SQL statements per kind of
    request."""

    def __init__(self, app: Flask, count_statements: bool = False) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.requests: Counter[str] = Counter()
        self.statements: Counter[str] = Counter()
        self._kind = ""
        if count_statements:
            with app.app_context():
                event.listen(db.engine, "before_cursor_execute", self._count)

    def _count(self, *_args: Any) -> None:
        if self._kind:
            self.statements[self._kind] += 1

    @contextmanager
    def measure(self, kind: str) -> Iterator[None]:
        self._kind = kind
        started, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.seconds[kind] += time.perf_counter() - started
            self.cpu[kind] += time.process_time() - cpu
            self.requests[kind] += 1
            self._kind = ""


class Profiled:
    """cProfile around each request, one profile per kind of request."""

    def __init__(self) -> None:
        self.profiles: dict[str, cProfile.Profile] = defaultdict(cProfile.Profile)
        self.requests: Counter[str] = Counter()

    @contextmanager
    def measure(self, kind: str) -> Iterator[None]:
        profile = self.profiles[kind]
        profile.enable()
        try:
            yield
        finally:
            profile.disable()
            self.requests[kind] += 1

    def calls(self, kind: str) -> int:
        return int(pstats.Stats(self.profiles[kind]).total_calls)  # type: ignore[attr-defined]


def play(app: Flask, journeys: int, measure: Measure, first: int = 0) -> None:
    """``journeys`` citizens one after the other, each with a cookie jar of its own."""
    for child in range(first, first + journeys):
        journey(app.test_client(), child, measure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--journeys", type=int, default=40, help="citizens per round")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds; the best counts")
    parser.add_argument("--profile", choices=KINDS, help="print the top costs of these requests")
    parser.add_argument("--sort", default="cumulative", choices=("cumulative", "tottime"))
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--callers", help="with --profile: who calls the functions matching this")
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite:///{Path(scratch) / 'bench.db'}"
        upgrade(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32)})
        counted = Tally(app, count_statements=True)
        play(app, 5, counted.measure)  # warm-up, and the statements per request
        # The machine is shared: of several rounds, each kind's best counts.
        rounds = []
        for number in range(args.rounds):
            rounds.append(Tally(app))
            play(app, args.journeys, rounds[-1].measure, first=1_000 * (number + 1))
        profiled = Profiled()
        play(app, args.journeys, profiled.measure, first=1_000 * (args.rounds + 1))
        print(f"{'request':<12} {'n':>5} {'ms wall':>8} {'ms CPU':>8} {'queries':>8} {'calls':>8}")
        for kind in KINDS:
            n = rounds[0].requests[kind]
            wall = min(tally.seconds[kind] for tally in rounds) / n * 1000
            cpu = min(tally.cpu[kind] for tally in rounds) / n * 1000
            print(
                f"{kind:<12} {n:>5} {wall:>8.2f} {cpu:>8.2f} "
                f"{counted.statements[kind] / counted.requests[kind]:>8.1f} "
                f"{profiled.calls(kind) / profiled.requests[kind]:>8.0f}"
            )
        journey_cpu = min(sum(tally.cpu.values()) for tally in rounds) / args.journeys * 1000
        each = sum(rounds[0].requests.values()) // args.journeys
        print(f"one journey ({each} requests): {journey_cpu:.1f} ms CPU")
        if args.profile:
            stats = pstats.Stats(profiled.profiles[args.profile])
            stats.strip_dirs().sort_stats(args.sort).print_stats(args.top)
            if args.callers:
                stats.print_callers(args.callers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
