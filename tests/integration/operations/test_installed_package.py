"""`pip install .` (not editable) gives a portal that serves from any directory: the wheel
carries the templates, static files, service worker and migrations, and the instance folder
lands in the working directory, never in site-packages.

The wheel is built as pip builds it for `pip install .`, from a copy of the sources outside the
checkout, and installed into a fresh virtualenv. That venv takes the dependencies from the
test's own venv through a .pth line instead of installing them all again; the .pth adds a plain
path, so the test venv's editable install (its own .pth) never runs there, and the test checks
that `server` is imported from the new venv.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest
import requests

from tests.integration.operations.test_commands import free_port, wait_until_up

CHECKOUT = Path(__file__).resolve().parents[3]
# What pip gets from a checkout: the build's files and the folders that become the package.
BUILD_FILES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md")
PACKAGED_FOLDERS = {
    "server": "server",
    "pwa": "server/pwa",
    "service_worker": "server/service_worker",
}
SECRET = "s" * 32


def _packaged_files(source: Path) -> set[str]:
    """Every file of the packaged folders, named as the wheel must hold it."""
    names = set()
    for folder, inside in PACKAGED_FOLDERS.items():
        for path in (source / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                names.add(f"{inside}/{path.relative_to(source / folder).as_posix()}")
    return names


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in BUILD_FILES:
        shutil.copy2(CHECKOUT / name, source / name)
    for folder in PACKAGED_FOLDERS:
        shutil.copytree(
            CHECKOUT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(dist),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    [built] = dist.glob("buergerportal-*.whl")
    with zipfile.ZipFile(built) as archive:
        missing = _packaged_files(source) - set(archive.namelist())
    assert not missing, f"not in the wheel: {sorted(missing)[:10]}"
    return built


def _install(wheel: Path, where: Path) -> Path:
    """A fresh venv with the wheel installed (not editable); returns its python."""
    venv.EnvBuilder(with_pip=False).create(where)
    python = where / "bin" / "python"
    site_packages = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    dependencies = sysconfig.get_paths()["purelib"]  # this test's venv
    (site_packages / "portal-dependencies.pth").write_text(dependencies + "\n", encoding="utf-8")
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    subprocess.run(
        [*pip, "install", "--no-deps", "--no-index", "--quiet", str(wheel)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return python


def test_an_installed_wheel_serves_the_start_page_with_its_css_from_any_directory(
    wheel: Path, tmp_path: Path
) -> None:
    python = _install(wheel, tmp_path / "venv")
    portal = python.parent / "portal"
    workdir = tmp_path / "somewhere"
    workdir.mkdir()
    # Nothing of the checkout or of other tests: only what an operator would set.
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PORTAL_ENV": "production",
        "SECRET_KEY": SECRET,
        "PAYMENT_PROVIDER": "xbezahldienste",
    }

    def run(*args: str) -> str:
        done = subprocess.run(
            args, cwd=workdir, env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    package = Path(run(str(python), "-c", "import server; print(server.__file__)").strip())
    assert package.is_relative_to(tmp_path / "venv"), package
    assert not package.is_relative_to(CHECKOUT)

    run(str(portal), "db", "upgrade")  # the migrations come from the package
    instance = workdir / "instance"
    assert (instance / "portal.db").is_file()

    port = free_port()
    process = subprocess.Popen(
        [str(portal), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=workdir,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/healthz", process, seconds=60)
        start_page = requests.get(f"{base}/", timeout=10)
        assert start_page.status_code == 200
        assert "Bürgerportal" in start_page.text
        stylesheet = re.search(
            r'<link rel="stylesheet" href="(/static/([^"?]+)[^"]*)"', start_page.text
        )
        assert stylesheet, "the start page links no stylesheet"
        css = requests.get(base + stylesheet.group(1), timeout=10)
        assert css.status_code == 200
        assert css.headers["Content-Type"].startswith("text/css")
        assert css.content == (CHECKOUT / "pwa" / "static" / stylesheet.group(2)).read_bytes()
        worker = requests.get(f"{base}/sw.js", timeout=10)
        assert worker.status_code == 200
        assert "const PORTAL = " in worker.text
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.communicate(timeout=20)
    # The instance folder is where the docs say, not inside the installed package.
    assert not (package.parent / "instance").exists()
    assert sorted(path.name for path in workdir.iterdir()) == ["instance"]
