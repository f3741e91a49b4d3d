"""Relative links in the README and in docs/ point to files that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# ](target) or ](target "title"); images too, since ![alt](path) ends the same way.
LINK = re.compile(r"\]\(\s*(?:<([^>]+)>|([^)\s]+))(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)


def relative_targets(text: str) -> list[str]:
    """The relative link targets of a Markdown text, without anchors; code blocks are skipped."""
    targets = []
    for bracketed, plain in LINK.findall(FENCE.sub("", text)):
        target = bracketed or plain
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("#"):
            continue  # http(s), mailto and the like; an anchor in the same document
        targets.append(target.split("#", 1)[0])
    return targets


def test_the_link_parser_finds_relative_targets_only() -> None:
    text = (
        "[a](docs/a.md) [b](b.md#part) ![c](img.png) [d](https://example.de/x.md) [e](#top)\n"
        '[f](<g h.md>) [i](http://example.de) [j](../k.md "title")\n'
        "```\n[not](in-code.md)\n```\n"
    )
    assert relative_targets(text) == ["docs/a.md", "b.md", "img.png", "g h.md", "../k.md"]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_relative_links_point_to_existing_files(document: Path) -> None:
    broken = [
        target
        for target in relative_targets(document.read_text(encoding="utf-8"))
        if not (document.parent / target).exists()
    ]
    assert broken == [], f"{document.relative_to(ROOT)} links to missing files: {broken}"
