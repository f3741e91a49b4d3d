"""Versioned static URLs are worked out once per process (issue 17): a release changes the
files and restarts the process, so a running portal keeps the URLs it handed out. Under
FLASK_DEBUG a file edited by the developer gets its new URL on the next page."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import Flask

from server.assets import asset_url, import_map, static_files


@pytest.fixture
def static(app: Flask, tmp_path: Path) -> Path:
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "a.js").write_text("export const a = 1;\n")
    app.static_folder = str(tmp_path)
    return tmp_path


def edit(path: Path, text: str) -> None:
    """Change a file's content, and its mtime for certain (a coarse clock could keep it)."""
    before = path.stat().st_mtime_ns
    path.write_text(text)
    os.utime(path, ns=(before + 10**9, before + 10**9))


def test_a_running_portal_keeps_the_urls_it_handed_out(app: Flask, static: Path) -> None:
    app.debug = False
    with app.test_request_context("/"):
        first = asset_url("js/a.js")
        assert first.startswith("/static/js/a.js?v=")
        assert import_map() == {"imports": {"/static/js/a.js": first}}
        edit(static / "js" / "a.js", "export const a = 2;\n")
        (static / "js" / "b.js").write_text("export const b = 1;\n")
        assert asset_url("js/a.js") == first
        assert static_files("js/*.js") == ["js/a.js"]
        assert import_map() == {"imports": {"/static/js/a.js": first}}
    with app.test_request_context("/", base_url="http://localhost/portal/"):
        # Behind a prefix the same file has another URL, with the same version.
        assert asset_url("js/a.js") == f"/portal{first}"


def test_under_debug_an_edited_file_gets_a_new_url(app: Flask, static: Path) -> None:
    app.debug = True
    with app.test_request_context("/"):
        first = asset_url("js/a.js")
        assert asset_url("js/a.js") == first
        edit(static / "js" / "a.js", "export const a = 2;\n")
        second = asset_url("js/a.js")
        assert second.startswith("/static/js/a.js?v=")
        assert second != first
        (static / "js" / "b.js").write_text("export const b = 1;\n")
        assert static_files("js/*.js") == ["js/a.js", "js/b.js"]
        assert set(import_map()["imports"]) == {"/static/js/a.js", "/static/js/b.js"}


def test_a_missing_file_fails_loudly_every_time(app: Flask, static: Path) -> None:
    app.debug = False
    with app.test_request_context("/"):
        for _ in range(2):
            with pytest.raises(FileNotFoundError):
                asset_url("js/missing.js")
        with pytest.raises(FileNotFoundError):
            asset_url("../outside.js")
