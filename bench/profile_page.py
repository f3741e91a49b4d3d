"""Profile requests to one portal page with the Flask test client and print the top costs.

    .venv/bin/python bench/profile_page.py [--path /] [--requests 500] [--top 30]
                                           [--sort cumulative|tottime] [--database-url URL]
                                           [--letter]

Runs the portal as ``bench/run.py`` does (a migrated throwaway SQLite database unless
``--database-url`` is given, ``FLASK_DEBUG=0``), makes a few untimed requests to warm up
(templates compiled, caches filled), then the given number of GET requests timed plainly and
again under cProfile, and prints the functions that cost the most (``--sort tottime`` for their
own time). Like the load test's, the numbers are for reading, never for tests.

``--letter`` profiles a personal page instead: the data seeded as for Lighthouse
(``bench/lighthouse_seed.py``), one letter's link opened by the test client, then the fine case
page it leads to, with that citizen's session (the page ``bench/run.py --case-page`` loads).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import secrets
import sys
import tempfile
import time
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from server import create_app
from server.migrate import upgrade


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--path", default="/")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--sort", default="cumulative", choices=("cumulative", "tottime"))
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--database-url")
    parser.add_argument(
        "--letter", action="store_true", help="the fine case page a letter's link opens"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite:///{Path(scratch) / 'bench.db'}"
        upgrade(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32)})
        client = app.test_client()
        if args.letter:
            args.path = opened_case_page(app, client, Path(scratch) / "letters")

        def one() -> None:
            response = client.get(args.path, headers={"Accept-Language": "de"})
            if response.status_code != 200:
                raise SystemExit(f"{args.path} answered {response.status_code}")
            response.close()

        for _ in range(20):
            one()
        started = time.perf_counter()
        for _ in range(args.requests):
            one()
        plain = time.perf_counter() - started
        started = time.perf_counter()
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            one()
        profile.disable()
        pstats.Stats(profile).strip_dirs().sort_stats(args.sort).print_stats(args.top)
        seconds = time.perf_counter() - started
        print(
            f"{args.requests} requests to {args.path} in {seconds:.2f} s under the profiler "
            f"({seconds / args.requests * 1000:.2f} ms each); without it "
            f"{plain / args.requests * 1000:.2f} ms each"
        )
    return 0


def opened_case_page(app: Flask, client: FlaskClient, letters_dir: Path) -> str:
    """Seed as for Lighthouse, open the letter's link with the client; the case page's path."""
    from bench.lighthouse_seed import seed

    opened = client.get(seed(app, letters_dir)["letter_path"], follow_redirects=True)
    if opened.status_code != 200 or "/bussgeld/fall/" not in opened.request.path:
        raise SystemExit(f"the letter's link did not open the case: {opened.status_code}")
    return opened.request.path


if __name__ == "__main__":
    sys.exit(main())
