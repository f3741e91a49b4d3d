"""Profile the Kita registration's form requests with the Flask test client (issue 17).

    .venv/bin/python -m bench.profile_form [--journeys 40] [--profile KIND] [--top 30]
                                           [--sort cumulative|tottime] [--database-url URL]

Plays the load test's Kita journey (``bench/journeys.py``: the blank first step, each step's
answers posted without JavaScript and the next step's page, the check-your-answers page, the
submission and its confirmation), each journey with a fresh cookie jar as a new citizen, and
prints per kind of request the plain milliseconds per request, the SQL statements per request
and the function calls per request (counted by cProfile in a pass of its own). ``--profile
KIND`` (one of the kinds printed: ``step-get``, ``step-post``, ...) then prints the functions
that cost the most in the requests of that kind, and ``--callers REGEX`` who calls those
matching it.

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


def steps(child: int) -> list[tuple[str, dict[str, str]]]:
    """The answers step by step, as ``bench/journeys.py`` sends them."""
    begin = (city_today() + timedelta(days=90)).isoformat()
    return [
        (
            "kind",
            {
                "kind_vorname": f"Kind{child}",
                "kind_nachname": "Muster",
                "kind_geburtsdatum": "2024-03-01",
            },
        ),
        (
            "eltern",
            {
                "eltern_vorname": "Erika",
                "eltern_nachname": "Muster",
                "eltern_strasse": "Hauptstraße 5",
                "eltern_plz_ort": "12345 Musterstadt",
                "eltern_email": f"eltern{child}@example.de",
                "zweite_person": "nein",
            },
        ),
        ("betreuung", {"beginn": begin, "umfang": "35"}),
        ("kitas", {"kita_1": "kita-regenbogen", "kita_2": "kita-pusteblume", "kita_3": ""}),
        ("foerderbedarf", {"besonderer_bedarf": "nein"}),
        ("einwilligung", {"einwilligung_daten": "ja", "einwilligung_kitas": "ja"}),
    ]


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
    for step, values in steps(child):
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
    """Seconds, requests and SQL statements per kind of request."""

    def __init__(self, app: Flask, count_statements: bool = False) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
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
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[kind] += time.perf_counter() - started
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
    parser.add_argument("--journeys", type=int, default=40)
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
        timed = Tally(app)
        play(app, args.journeys, timed.measure, first=1_000)
        profiled = Profiled()
        play(app, args.journeys, profiled.measure, first=2_000)
        print(f"{'request':<12} {'n':>5} {'ms each':>8} {'queries':>8} {'calls':>8}")
        for kind in KINDS:
            n = timed.requests[kind]
            print(
                f"{kind:<12} {n:>5} {timed.seconds[kind] / n * 1000:>8.2f} "
                f"{counted.statements[kind] / counted.requests[kind]:>8.1f} "
                f"{profiled.calls(kind) / profiled.requests[kind]:>8.0f}"
            )
        total = sum(timed.seconds.values()) / args.journeys * 1000
        each = sum(timed.requests.values()) // args.journeys
        print(f"one journey ({each} requests): {total:.1f} ms")
        if args.profile:
            stats = pstats.Stats(profiled.profiles[args.profile])
            stats.strip_dirs().sort_stats(args.sort).print_stats(args.top)
            if args.callers:
                stats.print_callers(args.callers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
