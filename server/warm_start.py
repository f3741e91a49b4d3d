"""What each worker would otherwise make for itself on its first requests, made once by
``portal serve`` before gunicorn forks its workers (issue 17): every template compiled in every
language, the static files' hashes, the PDF fonts parsed, the ORM's mappers configured and the
database driver's set-up of its first connection.

Made in each worker, these cost its first requests: a worker's first proof of payment took
150 to 230 ms instead of 20 (the three DejaVu fonts parsed), its first page that reads the
database 60 to 80 ms more (SQLAlchemy configures its mappers on the first query and asks
PostgreSQL for its version and types on an engine's first connection), a first page of each
kind 10 to 50 ms more (its templates compiled, the static files it names hashed): with eight
workers about a tenth of the CPU of the first minute of the journey mix
(bench/journey_mix.py), and every worker held its own copy. Made in the master, the workers
start with them and share their memory pages (``server.frozen_heap`` keeps the cycle collector
from writing to them).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from sqlalchemy.orm import configure_mappers

from server.assets import hash_static_files
from server.db import unreachable
from server.extensions import db
from server.i18n import speaking
from server.logs import get_logger
from server.pdf.fonts import PdfError, parse_fonts

log = get_logger("server")


@dataclass(frozen=True)
class WarmStart:
    templates: int  # compiled, counted once per language
    static_files: int  # hashed
    fonts: int  # parsed; 0 where the fonts are not installed (a PDF then says so)
    database: bool  # the first connection was made (False: unreachable now; workers retry)


def warm_start(app: Flask) -> WarmStart:
    """Make here what the workers would each make on their first requests (see the module's
    docstring). Leaves no database connection open: a forked worker must never share one."""
    with app.app_context():
        started = WarmStart(
            templates=_compile_templates(app),
            static_files=hash_static_files(),
            fonts=_parse_fonts(),
            database=_connect_once(),
        )
        configure_mappers()
    log.info("warm start", extra=vars(started))
    return started


def _compile_templates(app: Flask) -> int:
    compiled = 0
    names = app.jinja_env.list_templates()
    for language in app.config["LANGUAGES"]:
        # The environment of the language in force compiles its fixed texts translated
        # (server.folded_texts): each language has its own compiled templates.
        with speaking(language):
            for name in names:
                app.jinja_env.get_template(name)
                compiled += 1
    return compiled


def _parse_fonts() -> int:
    try:
        return parse_fonts()
    except PdfError:
        return 0


def _connect_once() -> bool:
    try:
        with db.engine.connect():
            pass
    except Exception as error:
        # Down while the server starts: each worker connects when it can, as it would anyway.
        if not unreachable(error):
            raise
        return False
    finally:
        # The engine keeps what it learnt on the first connection; the connection itself is
        # closed, never handed to a worker.
        db.engine.dispose()
    return True
