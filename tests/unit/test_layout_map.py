"""The README's map names every folder, docs/layout.md every module of server/: a newcomer
finds any part of the house from the two."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def tracked_top_level_folders() -> set[str]:
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return {name.split("/", 1)[0] for name in files if "/" in name}


def code_block(markdown: Path, heading: str) -> str:
    text = markdown.read_text(encoding="utf-8")
    after = text[text.index(heading) :]
    return after.split("```", 2)[1]


def test_the_readme_map_names_every_folder() -> None:
    block = code_block(ROOT / "README.md", "## Layout")
    named = set(re.findall(r"^\s*([\w.]+)/", block, flags=re.MULTILINE))
    server_folders = {p.name for p in (ROOT / "server").iterdir() if p.is_dir()} - {"__pycache__"}
    assert tracked_top_level_folders() <= named | {"docs"}, tracked_top_level_folders() - named
    assert server_folders <= named, server_folders - named


def test_docs_layout_names_every_module_of_server() -> None:
    block = code_block(ROOT / "docs" / "layout.md", "# Layout")
    modules = {p.name for p in (ROOT / "server").glob("*.py") if p.name != "__init__.py"}
    folders = {f"{p.name}/" for p in (ROOT / "server").iterdir() if p.is_dir()} - {"__pycache__/"}
    missing = {name for name in modules | folders if name not in block}
    assert not missing, f"docs/layout.md does not mention {sorted(missing)}"
