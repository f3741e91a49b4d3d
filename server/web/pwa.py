"""What makes the portal installable and usable offline: the manifest and the service worker."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from server import resources
from server.assets import SERVICE_WORKER_SCRIPTS, app_shell_files, asset_url, static_hash
from server.i18n import FORMAT_LOCALES, LANGUAGE_TAGS
from server.web.catalogue import find_service

SERVICE_WORKER_SOURCE = resources.SERVICE_WORKER
OFFLINE_PATH = "/offline"


# The app's shortcuts (long press on its icon): services of the catalogue, by slug.
SHORTCUT_SERVICES = ("bussgeld", "zahlungen", "konto")


def manifest(language: str = "de") -> dict[str, Any]:
    """The web app manifest in ``language`` (a code of ``LANGUAGES``), as its ``lang`` says."""
    with force_locale(FORMAT_LOCALES.get(language, language)):
        return _manifest(current_app.config, LANGUAGE_TAGS.get(language, language))


def _shortcuts() -> list[dict[str, Any]]:
    shortcuts = []
    for slug in SHORTCUT_SERVICES:
        service = find_service(slug)
        if service is None or not service.available:
            continue
        shortcuts.append(
            {
                "name": str(service.title),
                "description": str(service.summary),
                "url": url_for("web.service", slug=service.slug),
            }
        )
    return shortcuts


def _manifest(config: Any, language_tag: str) -> dict[str, Any]:
    icons = [
        {
            "src": asset_url(f"icons/icon-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "any",
        }
        for size in (192, 512)
    ] + [
        {
            "src": asset_url(f"icons/icon-maskable-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "maskable",
        }
        for size in (192, 512)
    ]
    return {
        "id": "/",
        "name": _("Bürgerportal %(city)s", city=config["PORTAL_CITY_NAME"]),
        "short_name": _("Bürgerportal"),
        "description": _("Die Online-Dienste der Stadt %(city)s.", city=config["PORTAL_CITY_NAME"]),
        "lang": language_tag,
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "theme_color": config["PORTAL_THEME_COLOR"],
        "background_color": "#ffffff",
        "categories": ["government", "utilities"],
        "icons": icons,
        "shortcuts": _shortcuts(),
    }


def _tree_digest(root: Path, pattern: str) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob(pattern)):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@cache
def _templates_digest(templates: Path, translations: Path) -> str:
    return _tree_digest(templates, "*.html") + _tree_digest(translations, "*.mo")


def precache_urls() -> list[str]:
    return [
        OFFLINE_PATH,
        url_for("web.start"),  # the offline page promises the start page stays readable
        url_for("web.manifest"),
        # The manifest an English page links, so that it too is whole offline.
        *(
            url_for("web.manifest", lang=language)
            for language in current_app.config["LANGUAGES"]
            if language != current_app.config["BABEL_DEFAULT_LOCALE"]
        ),
        *(asset_url(filename) for filename in app_shell_files()),
    ]


def service_worker_version() -> str:
    """Changes whenever anything the service worker caches or does changes."""
    app = current_app
    if app.debug:
        # Templates change under the developer's hands; hash them afresh.
        _templates_digest.cache_clear()
    digest = hashlib.sha256()
    digest.update(str(app.config["PORTAL_RELEASE"]).encode())
    digest.update(SERVICE_WORKER_SOURCE.read_bytes())
    for filename in app_shell_files():
        digest.update(f"{filename}={static_hash(filename)}".encode())
    digest.update(
        _templates_digest(resources.TEMPLATES, Path(app.root_path) / "translations").encode()
    )
    return digest.hexdigest()[:16]


def service_worker_script() -> str:
    settings = {
        "version": service_worker_version(),
        "precache": precache_urls(),
        "offlineUrl": OFFLINE_PATH,
        "scripts": [asset_url(filename) for filename in SERVICE_WORKER_SCRIPTS],
    }
    header = f"const PORTAL = {json.dumps(settings, indent=2)};\n"
    return header + SERVICE_WORKER_SOURCE.read_text(encoding="utf-8")
