"""Two demos started at once on different databases keep their files apart: each database's
letters (and mails, uploads, dev-eid state) go to its own folder under the instance folder."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from tests.integration.operations.test_commands import free_port, start, started, wait_until_up

__all__ = ["started"]  # the fixture, used below


def test_two_demos_on_different_databases_write_to_separate_folders(
    tmp_path: Path, started: list[subprocess.Popen[str]]
) -> None:
    instance = tmp_path / "instance"
    demos = {}
    for name in ("north", "south"):
        port = free_port()
        env = {
            "PORTAL_ENV": "development",
            "INSTANCE_DIR": str(instance),
            "DATABASE_URL": f"sqlite:///{tmp_path / name}.db",
        }
        demos[name] = (port, start(["demo", "--port", str(port)], env, started))
    outputs = {}
    for name, (port, process) in demos.items():
        wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
        os.killpg(process.pid, signal.SIGTERM)
        outputs[name], _ = process.communicate(timeout=20)

    folders = sorted((instance / "databases").iterdir())
    assert [folder.name.split("-")[0] for folder in folders] == ["north", "south"]
    letters = [
        {path.name for path in (folder / "demo-letters").glob("*.pdf")} for folder in folders
    ]
    assert letters[0]
    assert letters[0] == letters[1]  # the same letters, each demo its own copy
    for name, folder in zip(("north", "south"), folders, strict=True):
        assert f"{folder / 'demo-letters'}/" in outputs[name]
    # Nothing of either in the instance folder's own places (the default database's).
    assert sorted(path.name for path in instance.iterdir()) == ["databases"]
