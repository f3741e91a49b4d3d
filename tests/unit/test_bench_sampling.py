"""The sampling summaries (``bench/sampling.py``) of the journey mix and of the pages under wrk:
a frame's share of the samples of answering requests (or of handling connections), counted once
per sample however deep it recurs, waiting between requests left out."""

from __future__ import annotations

from pathlib import Path

from bench.sampling import CONNECTION, inclusive_shares

WORKER = 'process 7:"portal serve";run (gunicorn/arbiter.py:1);handle (gunicorn/workers/sync.py:2)'
APP = "Flask.wsgi_app (flask/app.py:1479);Flask.full_dispatch_request (flask/app.py:904)"


def test_shares_are_of_the_samples_answering_requests(tmp_path: Path) -> None:
    raw = tmp_path / "sample.raw"
    raw.write_text(
        "\n".join(
            [
                # Waiting for the next request: not answering one.
                f"{WORKER};wait (gunicorn/workers/sync.py:30) 50",
                f"{APP};proof_pdf (server/payments/views.py:163);render_proof (x.py:1) 30",
                f"{APP};case (server/fines/views.py:117);Connection.wait (psycopg/c.py:9) 60",
                # A recursive frame counts once for its sample.
                f"{APP};case (server/fines/views.py:117);walk (t.py:1);walk (t.py:1) 10",
                "",
            ]
        )
    )
    shares = {share.frame: share.percent for share in inclusive_shares(raw)}
    assert shares["Flask.full_dispatch_request (flask/app.py)"] == 100.0
    assert shares["case (server/fines/views.py)"] == 70.0
    assert shares["Connection.wait (psycopg/c.py)"] == 60.0
    assert shares["proof_pdf (server/payments/views.py)"] == 30.0
    assert shares["walk (t.py)"] == 10.0
    assert not any("gunicorn" in frame for frame in shares)


def test_no_request_answered_gives_no_shares(tmp_path: Path) -> None:
    raw = tmp_path / "sample.raw"
    raw.write_text(f"{WORKER};wait (gunicorn/workers/sync.py:30) 50\n")
    assert inclusive_shares(raw) == []


def test_page_shares_are_of_the_samples_handling_a_connection(tmp_path: Path) -> None:
    """``bench/run.py --page-sample``: gunicorn's reading and writing count, its waiting for
    the next connection does not, and the app is a share of the whole."""
    connection = f"{WORKER};SyncWorker.handle (gunicorn/workers/sync.py:134)"
    raw = tmp_path / "case.raw"
    raw.write_text(
        "\n".join(
            [
                f"{WORKER};SyncWorker.accept (gunicorn/workers/sync.py:40) 70",
                f"{connection};Parser.__next__ (gunicorn/http/parser.py:41) 20",
                f"{connection};handle_request (gunicorn/workers/sync.py:180);{APP} 60",
                f"{connection};close_graceful (gunicorn/util.py:290) 20",
                "",
            ]
        )
    )
    shares = {share.frame: share.percent for share in inclusive_shares(raw, under=CONNECTION)}
    assert shares["Flask.wsgi_app (flask/app.py)"] == 60.0
    assert shares["Parser.__next__ (gunicorn/http/parser.py)"] == 20.0
    assert shares["close_graceful (gunicorn/util.py)"] == 20.0
    assert "SyncWorker.accept (gunicorn/workers/sync.py)" not in shares
