"""Printed letters make URLs permanent: the route table only changes on purpose.

After adding a route on purpose, regenerate the list with
``python -m tests.unit.test_routes > tests/routes.txt``.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from server import create_app

ROUTES_FILE = Path(__file__).resolve().parent.parent / "routes.txt"


def route_table(app: Flask) -> list[str]:
    lines = []
    for rule in app.url_map.iter_rules():
        methods = ",".join(sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}))
        lines.append(f"{rule.rule} {methods} {rule.endpoint}")
    return sorted(lines)


def test_routes_match_the_committed_list() -> None:
    app = create_app({"PORTAL_ENV": "testing", "DATABASE_URL": "sqlite://"})
    expected = ROUTES_FILE.read_text(encoding="utf-8").split("\n")
    assert route_table(app) == [line for line in expected if line]


if __name__ == "__main__":
    print(
        "\n".join(route_table(create_app({"PORTAL_ENV": "testing", "DATABASE_URL": "sqlite://"})))
    )
