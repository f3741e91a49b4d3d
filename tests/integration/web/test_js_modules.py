"""The pages' ES modules: every import between them loads a versioned URL that the service
worker precaches, so that the drafts code works offline and a release never mixes versions."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.checking_client import CheckingClient

JS = Path(__file__).resolve().parents[3] / "pwa" / "static" / "js"
IMPORT = re.compile(r"""^import\s[^;]*?from\s+"\./([\w.-]+\.js)";""", re.M)


def imported_modules() -> set[str]:
    return {name for path in JS.glob("*.js") for name in IMPORT.findall(path.read_text())}


def page_head(client: CheckingClient) -> str:
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html[: html.index("</head>")]


def test_the_drafts_code_imports_its_modules() -> None:
    assert {"drafts-form.js", "drafts-outbox.js", "drafts-fields.js"} <= imported_modules()


def test_every_import_loads_a_versioned_url_the_service_worker_precaches(
    client: CheckingClient,
) -> None:
    head = page_head(client)
    match = re.search(r'<script type="importmap" nonce="[^"]+">(.*?)</script>', head, re.S)
    assert match, "no import map"
    imports = json.loads(match.group(1))["imports"]
    sw = client.get("/sw.js").get_data(as_text=True)
    settings = re.match(r"const PORTAL = (\{.*?\});\n", sw, re.S)
    assert settings
    precache = json.loads(settings.group(1))["precache"]
    for name in imported_modules():
        versioned = imports[f"/static/js/{name}"]
        assert versioned.startswith(f"/static/js/{name}?v="), name
        assert versioned in precache, name
        assert f'<link rel="modulepreload" href="{versioned}">' in head, name
        assert client.get(versioned).status_code == 200, name


def test_the_import_map_comes_before_any_module(client: CheckingClient) -> None:
    head = page_head(client)
    assert head.index('type="importmap"') < head.index('type="module"')
