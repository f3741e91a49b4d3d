"""The manifest and the service worker as the browser fetches them."""

from __future__ import annotations

import json
import re
import struct
from typing import Any

from flask import Flask

from tests.checking_client import CheckingClient


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_manifest_has_what_installation_needs(client: CheckingClient) -> None:
    response = client.get("/manifest.webmanifest", headers={"Accept-Language": "en"})
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["name"] == "Bürgerportal Musterstadt"
    assert manifest["short_name"] == "Bürgerportal"
    assert manifest["lang"] == "de"
    assert manifest["start_url"] == "/"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", manifest["theme_color"])
    seen = set()
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200
        assert image.mimetype == "image/png"
        width, height = png_size(image.get_data())
        assert f"{width}x{height}" == icon["sizes"]
        seen.add((icon["sizes"], icon["purpose"]))
    assert {
        ("192x192", "any"),
        ("512x512", "any"),
        ("192x192", "maskable"),
        ("512x512", "maskable"),
    } <= seen


def service_worker_settings(client: CheckingClient) -> dict:  # type: ignore[type-arg]
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    source = response.get_data(as_text=True)
    match = re.match(r"const PORTAL = (\{.*?\});\n", source, re.S)
    assert match, "service worker does not start with its settings"
    assert "skipWaiting" in source
    assert "SKIP_WAITING" in source
    settings: dict[str, Any] = json.loads(match.group(1))
    return settings


def test_service_worker_precaches_an_app_shell_that_exists(client: CheckingClient) -> None:
    settings = service_worker_settings(client)
    precache = settings["precache"]
    assert settings["offlineUrl"] == "/offline"
    assert "/offline" in precache
    # The start page (the offline page promises it) and the manifest in every language.
    assert {"/", "/manifest.webmanifest", "/manifest.webmanifest?lang=en"} <= set(precache)
    assert any(url.startswith("/static/css/portal.css?v=") for url in precache)
    assert any(url.startswith("/static/vendor/htmx.min.js?v=") for url in precache)
    assert any(url.startswith("/static/fonts/") and url.endswith(".woff2") for url in precache)
    for url in precache:
        assert client.get(url).status_code == 200, url


def test_service_worker_version_follows_release_and_assets(
    app: Flask, client: CheckingClient
) -> None:
    first = service_worker_settings(client)["version"]
    assert service_worker_settings(client)["version"] == first
    app.config["PORTAL_RELEASE"] = "2026.11.2"
    assert service_worker_settings(client)["version"] != first


def test_pages_link_the_manifest_and_versioned_assets(client: CheckingClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert re.search(r'href="/static/css/portal.css\?v=[0-9a-f]{16}"', html)
    assert re.search(r'src="/static/js/app.js\?v=[0-9a-f]{16}"', html)
