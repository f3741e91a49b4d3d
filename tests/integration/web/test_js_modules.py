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


def drafts_loader(head: str) -> tuple[str, dict[str, list[str]]]:
    """The drafts loader's versioned URL and the lists in its data attributes."""
    loader = re.search(r'<script src="(/static/js/draft-loader\.js\?v=\w+)"[^>]*>', head)
    assert loader, "no drafts loader"
    lists = {
        name: json.loads(html.unescape(value))
        for name, value in re.findall(r'data-(\w+)="([^"]+)"', loader.group(0))
    }
    return loader.group(1), lists


def test_every_import_loads_a_versioned_url_the_service_worker_precaches(
    client: CheckingClient,
) -> None:
    head = page_head(client, FORM_STEP)
    _, lists = drafts_loader(without_import_map(head))
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
        assert versioned in lists["modules"], name  # the loader preloads it
        assert client.get(versioned).status_code == 200, name


def test_the_import_map_comes_before_any_module(client: CheckingClient) -> None:
    head = page_head(client)
    assert head.index('type="importmap"') < head.index('type="module"')


def test_a_page_without_a_draft_form_loads_only_the_drafts_loader(client: CheckingClient) -> None:
    """Issue 17: the start page loads js/draft-loader.js, which brings in the drafts code only
    where this browser keeps drafts; the modules are neither loaded nor preloaded."""
    head = without_import_map(page_head(client))
    loader, lists = drafts_loader(head)
    assert "drafts.js" not in head
    assert '<script src="/static/js/draft-store.js' not in head
    assert 'rel="modulepreload"' not in head
    assert set(lists) == {"scripts"}
    assert [url.split("?")[0] for url in lists["scripts"]] == [
        "/static/vendor/idb-keyval.js",
        "/static/js/draft-store.js",
    ]
    sw = client.get("/sw.js").get_data(as_text=True)
    for url in [loader, *lists["scripts"]]:
        assert url in sw, url  # precached: the loader works offline
        assert client.get(url).status_code == 200, url


def test_a_form_step_leaves_the_drafts_code_to_its_loader(client: CheckingClient) -> None:
    """Lighthouse (issue 17): the form step's largest paint waited for the drafts code while the
    page fetched it at once. Its loader fetches it after the first paint, all of it at once: the
    two classic scripts, drafts.js and every module drafts.js imports (no chain of imports)."""
    head = without_import_map(page_head(client, FORM_STEP))
    _, lists = drafts_loader(head)
    assert '<script src="/static/js/draft-store.js' not in head
    assert '<script src="/static/js/drafts.js' not in head
    assert 'rel="modulepreload"' not in head
    assert [url.split("?")[0] for url in lists["scripts"]] == [
        "/static/vendor/idb-keyval.js",
        "/static/js/draft-store.js",
    ]
    preloaded = {url.split("?")[0] for url in lists["modules"]}
    assert preloaded == {"/static/js/drafts.js"} | {
        f"/static/js/{name}" for name in imported_modules()
    }
