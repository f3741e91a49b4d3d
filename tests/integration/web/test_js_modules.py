"""The pages' ES modules: every import between them loads a versioned URL that the service
worker precaches, so that the drafts code works offline and a release never mixes versions."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from tests.checking_client import CheckingClient

JS = Path(__file__).resolve().parents[3] / "pwa" / "static" / "js"
IMPORT = re.compile(r"""^import\s[^;]*?from\s+"\./([\w.-]+\.js)";""", re.M)


def imported_modules() -> set[str]:
    return {name for path in JS.glob("*.js") for name in IMPORT.findall(path.read_text())}


FORM_STEP = "/antraege/kita-anmeldung/kind"


def page_head(client: CheckingClient, path: str = "/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html[: html.index("</head>")]


def without_import_map(head: str) -> str:
    """The head without its import map, which names every module (loaded or not)."""
    return re.sub(r'<script type="importmap".*?</script>', "", head, flags=re.S)


def test_the_drafts_code_imports_its_modules() -> None:
    assert {"drafts-form.js", "drafts-outbox.js", "drafts-fields.js"} <= imported_modules()


def test_every_import_loads_a_versioned_url_the_service_worker_precaches(
    client: CheckingClient,
) -> None:
    head = page_head(client, FORM_STEP)
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
        assert f'<link rel="modulepreload" href="{versioned}" fetchpriority="low">' in head, name
        assert client.get(versioned).status_code == 200, name


def test_the_import_map_comes_before_any_module(client: CheckingClient) -> None:
    head = page_head(client)
    assert head.index('type="importmap"') < head.index('type="module"')


def test_a_page_without_a_draft_form_loads_only_the_drafts_loader(client: CheckingClient) -> None:
    """Issue 17: the start page loads js/draft-loader.js, which brings in the drafts code only
    where this browser keeps drafts; the modules are neither loaded nor preloaded."""
    head = without_import_map(page_head(client))
    loader = re.search(r'<script src="(/static/js/draft-loader\.js\?v=\w+)"[^>]*>', head)
    assert loader, "no drafts loader"
    assert "drafts.js" not in head
    assert '<script src="/static/js/draft-store.js' not in head
    assert 'rel="modulepreload"' not in head
    scripts = re.search(r'data-scripts="([^"]+)"', loader.group(0))
    assert scripts
    named = json.loads(html.unescape(scripts.group(1)))
    assert [url.split("?")[0] for url in named] == [
        "/static/vendor/idb-keyval.js",
        "/static/js/draft-store.js",
    ]
    sw = client.get("/sw.js").get_data(as_text=True)
    for url in [loader.group(1), *named]:
        assert url in sw, url  # precached: the loader works offline
        assert client.get(url).status_code == 200, url


def test_a_form_step_loads_the_drafts_code_at_once(client: CheckingClient) -> None:
    head = without_import_map(page_head(client, FORM_STEP))
    assert re.search(r'<script src="/static/js/draft-store\.js\?v=\w+"', head)
    assert re.search(r'<script src="/static/js/drafts\.js\?v=\w+"', head)
    assert "draft-loader.js?v=" not in head
