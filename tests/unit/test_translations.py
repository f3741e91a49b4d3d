"""German is the source language; the English catalogue must be complete and current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent.parent
CATALOGUE = ROOT / "server" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def extract(tmp_path: Path) -> Path:
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(template),
            "server",
            "pwa",
        ],
        cwd=ROOT,
        check=True,
    )
    return template


def test_english_catalogue_is_complete_and_current(tmp_path: Path) -> None:
    with extract(tmp_path).open("rb") as handle:
        wanted = {message.id for message in read_po(handle) if message.id}
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    have = {message.id for message in catalogue if message.id}
    missing = wanted - have
    assert not missing, f"not in the English catalogue (run ./run translations): {missing}"
    untranslated = [
        m.id
        for m in catalogue
        if m.id in wanted and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    assert not untranslated, f"untranslated: {untranslated}"
    fuzzy = [m.id for m in catalogue if m.id in wanted and m.fuzzy]
    assert not fuzzy, f"fuzzy translations: {fuzzy}"


def _plain(value: object) -> object:
    return tuple(value) if isinstance(value, list | tuple) else value


def test_compiled_catalogue_matches_the_source() -> None:
    with CATALOGUE.open("rb") as handle:
        source = {_plain(m.id): _plain(m.string) for m in read_po(handle) if m.id and not m.fuzzy}
    with CATALOGUE.with_suffix(".mo").open("rb") as handle:
        compiled = {_plain(m.id): _plain(m.string) for m in read_mo(handle) if m.id}
    assert compiled == source, "messages.mo is stale: run ./run translations"
